/**
 * The baseline the gateway is measured against: the fastest honest Node
 * aggregator for the same four answers. Plain `node:http`, no framework, no
 * GraphQL, no auth (the viewer comes from `x-user-id` / `x-user-tier`), no
 * cache; see bench/baseline-answers.ts. Runs as its own process:
 * `node --import tsx bench/baseline.ts` with the seven `*_URL` variables,
 * prints `{"url":"http://127.0.0.1:port"}` on stdout once listening.
 *
 *   GET /api/product/:id        ProductPage
 *   GET /dashboard              MobileDashboard
 *   GET /api/orders?first=N     OrderHistory
 *   GET /api/catalog?first=N    Catalog
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICE_NAMES, type ServiceName } from '../clients/errors.js';
import { URL_VARIABLES } from '../src/config.js';
import { catalog, dashboard, orderHistory, productPage } from './baseline-answers.js';
import { createUpstream } from './baseline-upstream.js';

const urls = {} as Record<ServiceName, string>;
for (const service of SERVICE_NAMES) {
  const url = process.env[URL_VARIABLES[service]];
  if (!url) throw new Error(`${URL_VARIABLES[service]} is required`);
  urls[service] = url;
}
const get = createUpstream(urls);

/** A request the baseline cannot answer (missing header, bad `first`, unknown path): 400. */
class ClientError extends Error {}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  if (typeof value !== 'string' || value === '') throw new ClientError(`${name} is required`);
  return value;
}

function first(query: URLSearchParams): number {
  const value = Number(query.get('first') ?? '20');
  if (!Number.isInteger(value) || value < 1 || value > 100) throw new ClientError('first must be 1–100');
  return value;
}

function route(req: IncomingMessage): Promise<unknown> {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const query = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
  if (path.startsWith('/api/product/')) return productPage(get, decodeURIComponent(path.slice('/api/product/'.length)), encodeURIComponent(header(req, 'x-user-tier')));
  if (path === '/dashboard') return dashboard(get, header(req, 'x-user-id'));
  if (path === '/api/orders') return orderHistory(get, header(req, 'x-user-id'), first(query));
  if (path === '/api/catalog') return catalog(get, encodeURIComponent(header(req, 'x-user-tier')), first(query));
  throw new ClientError(`no route ${path}`);
}

const server = createServer({ keepAlive: true }, (req, res) => {
  let answer: Promise<unknown>;
  try {
    answer = route(req);
  } catch (error) {
    return send(res, error instanceof ClientError ? 400 : 500, { error: String(error) });
  }
  answer.then(
    (body) => send(res, 200, body),
    (error: unknown) => send(res, 502, { error: String(error) }),
  );
});
// The load generator keeps its connections open for the whole run.
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env['PORT'] ?? '0'), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});

const stop = (): void => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
