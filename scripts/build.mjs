// @ts-check
/**
 * `npm run build`: bundles the gateway (`src/main.ts` and everything it
 * imports from src/, clients/, resolvers/) into `dist/main.js` with esbuild;
 * what it imports on demand is in `dist/chunks/`: the rest of the gateway,
 * once `main.ts` listens to signals, and the tracing, when it is on.
 * Packages stay external (loaded from node_modules as under tsx), so the
 * bundle holds only the project's own code. Files read at run time (schema/,
 * operations/, the playground's static files) are not copied: the code finds
 * them from the project root (src/project-root.ts).
 *
 * The bundle is written to a temporary name and renamed, so a process
 * starting while a build runs never loads half a file.
 */
import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE, ROOT } from './build-state.mjs';

/** Builds `dist/main.js` (and its source map); resolves with the time it took in ms. */
export async function buildBundle() {
  const started = Date.now();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/main.ts'],
    outdir: dirname(BUNDLE),
    entryNames: '[name]',
    bundle: true,
    // What the code imports on demand (tracing, only when it is on) goes into chunks of its own, loaded only then:
    // a single file would hoist their packages' imports (OpenTelemetry's) to the top, loaded by every start.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'node',
    format: 'esm',
    // The oldest Node line the project supports.
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    write: false,
    logLevel: 'warning',
  });
  // The chunks and maps first: the bundle's rename is what makes the new build current. Chunks are named by their
  // content, so a process started from the previous bundle still finds its own.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path === BUNDLE) - Number(b.path === BUNDLE));
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temporary = join(dirname(file.path), `.${process.pid}.${Date.now()}.tmp`);
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  return Date.now() - started;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const ms = await buildBundle();
  process.stderr.write(`built ${relative(process.cwd(), BUNDLE) || BUNDLE} in ${ms} ms\n`);
}
