/**
 * Builds `dist/` once before the suite when it is missing or stale: the tests
 * that spawn the gateway as a process run the build, as `npm start` does, and
 * building inside each of them would race.
 */
import { buildBundle } from '../scripts/build.mjs';
import { isStale } from '../scripts/build-state.mjs';

export default async function setup(): Promise<void> {
  if (isStale()) await buildBundle();
}
