import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.js';
import { AUDIENCES, type Audience } from '../context.js';
import type { TrustedDocuments } from '../persisted/manifest.js';
import { prefersHtml } from './accept.js';
import { loadPlaygroundAssets, type PlaygroundAsset } from './assets.js';
import { demoCredentialHeaders } from './demo-credentials.js';
import { EXAMPLE_OPERATIONS, openingDocument } from './examples.js';
import { ASSET_PATH, PLAYGROUND_CSP, renderPlaygroundPage } from './page.js';
import { audienceOfPath } from '../http/endpoints.js';
import { acceptsGzip } from '../http/compression.js';

/** The edge's hook: answers playground pages and assets, and leaves every other request alone. */
export interface Playground {
  /** Serves the request and returns true when it is the playground's; otherwise returns false untouched. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
}

/** Any of these makes a GET a GraphQL request (a query, an APQ hash in `extensions`, or a `documentId`), never a page. */
const GRAPHQL_PARAMS = ['query', 'extensions', 'operationName', 'variables', 'documentId'];

/** A browser opening a GraphQL endpoint's URL: a GET (or HEAD) preferring HTML, with no GraphQL parameters. */
export function isBrowserVisit(req: IncomingMessage, url: URL): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && prefersHtml(req.headers.accept) && !GRAPHQL_PARAMS.some((p) => url.searchParams.has(p));
}
const ONE_YEAR = 'public, max-age=31536000, immutable';
/** An asset's path as the page links it: `<content hash>/<name>`. */
const VERSIONED_ASSET = /^([0-9a-f]{12})\/([^/]+)$/;

function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Kept for a year only under the URL the page links (`<content hash>/<name>`): during a rolling upgrade a page from
 * one release can ask a replica running another, whose file must not be cached under the other's hash. The hash is in
 * the path, not in a `?v=` (which pages of earlier releases still ask for): an earlier release's replica answers any
 * `?v=` with its own file, cached for a year, and answers this path 404, which no cache keeps.
 */
function sendAsset(req: IncomingMessage, res: ServerResponse, asset: PlaygroundAsset, version: string | null): void {
  const gzip = acceptsGzip(req.headers['accept-encoding']);
  const cacheControl = version === asset.version ? ONE_YEAR : 'no-store';
  const headers = { 'content-type': asset.contentType, 'cache-control': cacheControl, vary: 'Accept-Encoding' };
  if (!gzip) return send(req, res, 200, headers, asset.body);
  asset.gzipped().then(
    (body) => send(req, res, 200, { ...headers, 'content-encoding': 'gzip' }, body),
    () => send(req, res, 200, headers, asset.body),
  );
}

/**
 * The self-hosted GraphiQL of each audience in `config.playground` that is
 * also served: a browser's GET of `/{audience}/graphql` (Accept preferring
 * `text/html`, no GraphQL parameters) gets the page, `/playground/assets/*`
 * its files. Pages are rendered once here, with development credentials
 * prefilled only where `demoCredentialHeaders` allows, and the example an
 * audience's trusted-documents mode runs (`manifests`: the apps' manifests). Null when no audience
 * has a playground: then nothing is served and the endpoints answer as
 * before (Apollo's 400 for a browser's bare GET).
 */
export async function createPlayground(config: Config, manifests: ReadonlyMap<Audience, TrustedDocuments>): Promise<Playground | null> {
  const audiences = AUDIENCES.filter((a) => config.playground.includes(a) && config.audiences.includes(a));
  if (audiences.length === 0) return null;
  const assets = loadPlaygroundAssets();
  const headers = await demoCredentialHeaders(config);
  const pages = new Map<Audience, Buffer>(
    audiences.map((audience) => {
      const html = renderPlaygroundPage(
        {
          audience,
          endpoint: `/${audience}/graphql`,
          query: openingDocument(audience, config.trustedDocuments[audience], manifests.get(audience)),
          variables: EXAMPLE_OPERATIONS[audience].variables,
          headers: headers[audience] ?? '',
        },
        assets,
      );
      return [audience, Buffer.from(html, 'utf8')];
    }),
  );
  const pageHeaders = {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': PLAYGROUND_CSP,
    // The page may carry a development token, and a new start signs a new one.
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    // The same URL answers JSON to GraphQL clients.
    vary: 'Accept',
  };

  return {
    handle(req, res, url) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (url.pathname.startsWith(ASSET_PATH)) {
        const path = url.pathname.slice(ASSET_PATH.length);
        const linked = VERSIONED_ASSET.exec(path);
        const asset = assets.get(linked ? linked[2]! : path);
        if (!asset) return false;
        sendAsset(req, res, asset, linked ? linked[1]! : url.searchParams.get('v'));
        return true;
      }
      const audience = audienceOfPath(url.pathname);
      const page = audience && pages.get(audience);
      if (!page || !isBrowserVisit(req, url)) return false;
      send(req, res, 200, pageHeaders, page);
      return true;
    },
  };
}
