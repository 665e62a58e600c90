import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { projectDir } from '../project-root.js';

/** One static file of the playground, held in memory for the life of the process. */
export interface PlaygroundAsset {
  contentType: string;
  body: Buffer;
  /** A short content hash: the page links `<version>/<name>`, so a long immutable cache is safe across upgrades. */
  version: string;
  /**
   * The gzip-compressed body, computed on first use (GraphiQL's bundle is 3.5 MB, about 0.8 MB gzipped) on
   * libuv's thread pool: compressed on the event loop, it held every request for about 90 ms.
   */
  gzipped(): Promise<Buffer>;
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** Where each served file lives; GraphiQL's browser build wants React 18 as UMD globals. */
function sources(): Record<string, { path: string; contentType: string }> {
  const require = createRequire(import.meta.url);
  const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
  const own = projectDir('src', 'playground', 'static');
  return {
    'react.production.min.js': { path: join(packageDir('react'), 'umd/react.production.min.js'), contentType: JS },
    'react-dom.production.min.js': { path: join(packageDir('react-dom'), 'umd/react-dom.production.min.js'), contentType: JS },
    'graphiql.min.js': { path: join(packageDir('graphiql'), 'graphiql.min.js'), contentType: JS },
    'graphiql.min.css': { path: join(packageDir('graphiql'), 'graphiql.min.css'), contentType: CSS },
    'playground.js': { path: join(own, 'playground.js'), contentType: JS },
    'playground.css': { path: join(own, 'playground.css'), contentType: CSS },
  };
}

/**
 * The source-map comment is dropped: the maps (6 MB) are not served, and a
 * reference to a missing file only makes an open devtools log a 404.
 */
const SOURCE_MAP_COMMENT = /\n\/[/*]# sourceMappingURL=[^\n]*\s*$/;

const compress = promisify(gzip);

function load(path: string, contentType: string): PlaygroundAsset {
  const body = Buffer.from(readFileSync(path, 'utf8').replace(SOURCE_MAP_COMMENT, '\n'), 'utf8');
  let gzipped: Promise<Buffer> | undefined;
  return {
    contentType,
    body,
    version: createHash('sha256').update(body).digest('hex').slice(0, 12),
    gzipped: () => (gzipped ??= compress(body)),
  };
}

let cache: ReadonlyMap<string, PlaygroundAsset> | undefined;

/**
 * The playground's files by name, read once per process from the installed
 * packages (graphiql, react, react-dom) and this module's `static/` folder:
 * nothing is fetched from a CDN. Throws at start-up when a file is missing.
 */
export function loadPlaygroundAssets(): ReadonlyMap<string, PlaygroundAsset> {
  cache ??= new Map(Object.entries(sources()).map(([name, s]) => [name, load(s.path, s.contentType)]));
  return cache;
}
