// @ts-check
/**
 * Whether `dist/` is up to date with the sources, without loading the build
 * tool: `npm start` asks this on every start, and the gateway process should
 * not carry the bundler in its memory.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The bundle `npm start` runs. */
export const BUNDLE = join(ROOT, 'dist', 'main.js');
/** What the bundle is built from: the TypeScript folders, and the files that decide how it is built. */
const SOURCE_DIRS = ['src', 'clients', 'resolvers'];
const SOURCE_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build.mjs', 'scripts/build-state.mjs'];

/** @param {string} path @returns {number} modification time in ms, -Infinity when missing */
function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}

/** @param {string} dir @returns {number} the newest modification time of a `.ts` file under `dir` */
function newestTs(dir) {
  let newest = Number.NEGATIVE_INFINITY;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, mtime(join(entry.parentPath, entry.name)));
  }
  return newest;
}

/** The newest modification time among the sources, in ms. */
export function newestSource() {
  return Math.max(...SOURCE_DIRS.map((dir) => newestTs(join(ROOT, dir))), ...SOURCE_FILES.map((file) => mtime(join(ROOT, file))));
}

/**
 * True when the bundle is missing or older than a source file. A bundle as old as the sources is current, at time 0
 * too: an image built with every file's time set to 0 (reproducible builds) read as one without a bundle, and was
 * rebuilt at every start, which a read-only filesystem refuses.
 */
export function isStale() {
  const built = mtime(BUNDLE);
  return built === Number.NEGATIVE_INFINITY || built < newestSource();
}
