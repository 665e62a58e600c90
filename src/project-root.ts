import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's root folder: the nearest folder above this module holding
 * `package.json`. Files the gateway reads at run time (schema/, operations/,
 * the playground's static/ files) are found from here rather than from each
 * module's own location, which differs between `src/` under tsx and the
 * bundle in `dist/` that `npm start` runs.
 */
function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A folder under the project root, ending with a path separator (callers append file names). */
export function projectDir(...segments: string[]): string {
  return join(PROJECT_ROOT, ...segments) + sep;
}
