// @ts-check
/**
 * `npm start`: runs the compiled gateway (`dist/main.js`), building it first
 * when it is missing or older than the sources, so `npm ci && npm start` works
 * on a fresh clone. The build runs in a child process, so the bundler never
 * occupies the gateway's memory; the gateway then runs in this process, which
 * receives SIGTERM/SIGINT itself.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE, isStale, ROOT } from './build-state.mjs';

if (isStale()) {
  process.stderr.write('dist/ is missing or older than the sources: building…\n');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
}
await import(pathToFileURL(BUNDLE).href);
