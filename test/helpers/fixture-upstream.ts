/**
 * A second, independent server honouring CONTRACT.md §1: all seven services on
 * one loopback port under path prefixes (`/users-svc`, …), batch items in
 * reversed order, its own cursor scheme (holding `+ / =`, or any strings the
 * caller issues), pages shorter than `limit` when asked, and a hook that can
 * hold requests or inject faults. `wire-proxy.ts` puts other HTTP framings in
 * front of it. For tests only.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { SERVICE_NAMES, TIERS, type Order, type ServiceName, type Tier } from '../../clients/index.js';
import { defaultFixtureData, makeOrder, type FixtureData } from './fixture-data.js';

export { defaultFixtureData, fixtureDataWithOrders, withAwkwardIds, type FixtureData, type FixturePrice } from './fixture-data.js';

export interface FixtureRequest {
  service: ServiceName;
  method: string;
  /** Path after the service prefix, still percent-encoded (`/users/fx-alice`). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface RecordedRequest extends FixtureRequest {
  /** The raw request target after the prefix, to check how values were encoded. */
  rawUrl: string;
}

/** A canned reply (optionally dripped `dripMs` per byte), or a dropped connection. */
export type FixtureOverride = { status: number; body?: string | Buffer; headers?: Record<string, string>; dripMs?: number } | { destroySocket: true };

export interface FixtureOptions {
  data?: FixtureData;
  /** Awaited before the request is served: may hold it, or return an override to inject a fault. */
  onRequest?: (req: FixtureRequest) => void | FixtureOverride | Promise<void | FixtureOverride>;
  /** Pages hold at most this many items, whatever the `limit` (legal: `limit` is a bound), with a cursor to the rest. */
  pageItems?: number;
  /** Issues this string as the cursor to `offset` of `list` instead of the fixture's own scheme: any opaque string works once issued. */
  cursor?: (list: string, offset: number) => string;
  /**
   * `limit` counts the rows read before a filter (category, search, read
   * state), as a key-value store's query does: a filtered page may hold fewer
   * items than asked, or none, and still carry a cursor.
   */
  scanLimit?: boolean;
  /** Served over HTTPS with this key and certificate (test/fixtures/tls: its certificate names 127.0.0.1 and localhost), else plain HTTP. */
  tls?: { key: string; cert: string };
}

export interface FixtureUpstream {
  urls: Record<ServiceName, string>;
  /** Every request in arrival order (recorded before `onRequest` runs). */
  requests: RecordedRequest[];
  data: FixtureData;
  close(): Promise<void>;
}

type Reply = [status: number, body: unknown];
/** POST /orders keys seen so far, with the canonical body each was first used with. */
type IdempotencyKeys = Map<string, { body: string; order: Order }>;
const fail = (status: number, code: string, message: string): Reply => [status, { error: { code, message } }];
const notFound = (what: string): Reply => fail(404, 'NOT_FOUND', `${what} not found`);
const badRequest = (message: string): Reply => fail(400, 'BAD_REQUEST', message);

/** `{ items }` for the ids asked (at most 100, else 400), unknown ones omitted, in reverse order: "any order" made visible. */
function batch<T>(query: URLSearchParams, name: string, all: T[], idOf: (item: T) => string): Reply {
  const ids = [...new Set((query.get(name) ?? '').split(',').filter((id) => id !== ''))];
  if (ids.length > 100) return badRequest(`at most 100 ${name}`);
  const items = ids.flatMap((id) => all.filter((item) => idOf(item) === id).slice(0, 1));
  return [200, { items: items.reverse() }];
}

// Cursor: "o:" + base64 of [0xfb, 0xff, list hash, offset hi, offset lo]: always holds '+', '/' and '='.
const listHash = (list: string): number => [...list].reduce((h, c) => (h * 31 + c.charCodeAt(0)) & 0xff, 7);
const encodeCursor = (list: string, offset: number): string =>
  'o:' + Buffer.from([0xfb, 0xff, listHash(list), offset >> 8, offset & 0xff]).toString('base64');
function decodeCursor(list: string, cursor: string): number | undefined {
  const bytes = cursor.startsWith('o:') ? Buffer.from(cursor.slice(2), 'base64') : Buffer.alloc(0);
  const valid = bytes.length === 5 && bytes[0] === 0xfb && bytes[1] === 0xff && bytes[2] === listHash(list);
  return valid && encodeCursor(list, (bytes[3]! << 8) | bytes[4]!) === cursor ? (bytes[3]! << 8) | bytes[4]! : undefined;
}

/** How this fixture pages: its page-size cap, the caller's cursor strings (remembered as issued), and what `limit` counts. */
interface Paging {
  pageItems?: number | undefined;
  cursor?: ((list: string, offset: number) => string) | undefined;
  scanLimit?: boolean | undefined;
  issued: Map<string, { list: string; offset: number }>;
}

/**
 * A page of `rows` kept by `keep` (a filter: category, search, read state).
 * Usually `limit` counts kept items; with `scanLimit` it counts rows read
 * before the filter, so a page may hold fewer items than asked, or none, and
 * still carry a cursor.
 */
function page<T>(query: URLSearchParams, list: string, rows: T[], paging: Paging, keep: (row: T) => boolean = () => true): Reply {
  const limit = Number(query.get('limit') ?? '20');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return badRequest('limit must be 1-100');
  const cursor = query.get('cursor');
  const issued = cursor === null ? undefined : paging.issued.get(cursor);
  const offset = cursor === null ? 0 : paging.cursor ? (issued?.list === list ? issued.offset : undefined) : decodeCursor(list, cursor);
  if (offset === undefined) return badRequest('invalid cursor');
  const scanned = paging.scanLimit ? rows : rows.filter(keep);
  const end = offset + Math.min(limit, paging.pageItems ?? 100);
  const items = scanned.slice(offset, end);
  let next: string | null = null;
  if (end < scanned.length) {
    next = paging.cursor ? paging.cursor(list, end) : encodeCursor(list, end);
    if (paging.cursor) paging.issued.set(next, { list, offset: end });
  }
  return [200, { items: paging.scanLimit ? items.filter(keep) : items, nextCursor: next }];
}

const newestFirst = <T extends { createdAt: string; id: string }>(items: T[]): T[] =>
  [...items].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));

function summary(data: FixtureData, productId: string) {
  const ratings = data.reviews.filter((r) => r.productId === productId).map((r) => r.rating);
  const avg = ratings.length === 0 ? 0 : Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 10) / 10;
  return { productId, averageRating: avg, count: ratings.length };
}

function placeOrder(data: FixtureData, keys: IdempotencyKeys, req: FixtureRequest, raw: string): Reply {
  const key = req.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '') return badRequest('Idempotency-Key required');
  let input: { userId?: unknown; lines?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed === 'object' && parsed !== null) input = parsed;
  } catch {
    return badRequest('body is not JSON');
  }
  const lines = Array.isArray(input.lines) ? (input.lines as { productId?: unknown; quantity?: unknown }[]) : [];
  const wellFormed = lines.every((l) => typeof l?.productId === 'string' && Number.isInteger(l.quantity));
  if (typeof input.userId !== 'string' || lines.length === 0 || !wellFormed) return badRequest('userId and lines required');
  const clean = { userId: input.userId, lines: lines.map((l) => ({ productId: l.productId as string, quantity: l.quantity as number })) };
  const canonical = JSON.stringify(clean);
  const prior = keys.get(key);
  if (prior) return prior.body === canonical ? [200, prior.order] : fail(409, 'CONFLICT', 'Idempotency-Key reused with another body');
  const unknown = clean.lines.some((l) => l.quantity < 1 || !data.products.some((p) => p.id === l.productId));
  if (unknown || !data.users.some((u) => u.id === clean.userId)) return fail(422, 'UNPROCESSABLE', 'unknown product or bad quantity');
  const id = `fx-o-new-${keys.size + 1}`;
  const order = makeOrder(data, { id, userId: clean.userId, status: 'pending', createdAt: new Date().toISOString() }, clean.lines);
  data.orders.push(order);
  keys.set(key, { body: canonical, order });
  return [201, order];
}

function route(data: FixtureData, keys: IdempotencyKeys, req: FixtureRequest, raw: string, paging: Paging): Reply {
  const q = req.query;
  const seg = req.path.split('/').slice(1).map(decodeURIComponent);
  const [a = '', b, c] = seg;
  const one = <T extends { id: string }>(all: T[], what: string): Reply => {
    const hit = all.find((x) => x.id === b);
    return hit ? [200, hit] : notFound(what);
  };
  const op = `${req.method} ${req.service} ${a}${b === undefined ? '' : '/:id'}${c === undefined ? '' : '/' + c}`;
  switch (op) {
    case 'GET users users':
      return batch(q, 'ids', data.users, (u) => u.id);
    case 'GET users users/:id':
      return one(data.users, 'user');
    case 'GET orders orders': {
      if (q.has('ids')) return batch(q, 'ids', data.orders, (o) => o.id);
      const userId = q.get('userId') ?? '';
      return page(q, `orders:${userId}`, newestFirst(data.orders.filter((o) => o.userId === userId)), paging);
    }
    case 'GET orders orders/:id':
      return one(data.orders, 'order');
    case 'POST orders orders':
      return placeOrder(data, keys, req, raw);
    case 'GET products products': {
      if (q.has('ids')) return batch(q, 'ids', data.products, (p) => p.id);
      const [cat, text] = [q.get('categoryId'), q.get('q')?.toLowerCase()];
      const byId = [...data.products].sort((x, y) => (x.id < y.id ? -1 : 1));
      const hit = (p: (typeof byId)[number]) => (cat === null || p.categoryId === cat) && (!text || p.name.toLowerCase().includes(text));
      return page(q, `products:${cat}:${text}`, byId, paging, hit);
    }
    case 'GET products products/:id':
      return one(data.products, 'product');
    case 'GET inventory inventory':
      return batch(q, 'productIds', data.stock, (s) => s.productId);
    case 'GET reviews reviews/:id':
      if (b !== 'summary') return notFound('route');
      return batch(q, 'productIds', data.products.map((p) => summary(data, p.id)), (s) => s.productId);
    case 'GET reviews reviews': {
      const productId = q.get('productId') ?? '';
      return page(q, `reviews:${productId}`, newestFirst(data.reviews.filter((r) => r.productId === productId)), paging);
    }
    case 'GET pricing prices': {
      const tier = q.get('tier');
      if (!TIERS.includes(tier as Tier)) return badRequest('tier must be free, pro or enterprise');
      const rows = data.prices.map((p) => ({ productId: p.productId, currentPrice: p.current[tier as Tier], listPrice: p.listPrice }));
      return batch(q, 'productIds', rows, (p) => p.productId);
    }
    case 'GET notifications notifications': {
      const [userId, unread] = [q.get('userId') ?? '', q.get('unread')];
      if (unread !== null && unread !== 'true' && unread !== 'false') return badRequest('unread must be true or false');
      // unread=true keeps the unread ones, unread=false the read ones.
      const mine = data.notifications.filter((n) => n.userId === userId);
      return page(q, `notifications:${userId}:${unread}`, newestFirst(mine), paging, (n) => unread === null || n.read === (unread === 'false'));
    }
    case 'GET notifications notifications/:id':
      if (b !== 'unread-count') return notFound('route');
      return [200, { count: data.notifications.filter((n) => n.userId === q.get('userId') && !n.read).length }];
    case 'POST notifications notifications/:id/read': {
      const hit = data.notifications.find((n) => n.id === b);
      if (!hit) return notFound('notification');
      hit.read = true;
      return [200, hit];
    }
    default:
      return a === 'health' && req.method === 'GET' && b === undefined ? [200, { status: 'ok' }] : notFound('route');
  }
}

function applyOverride(req: IncomingMessage, res: ServerResponse, o: FixtureOverride): void {
  if ('destroySocket' in o) {
    req.socket.destroy();
    return;
  }
  const body = typeof o.body === 'string' || o.body === undefined ? Buffer.from(o.body ?? '') : o.body;
  res.writeHead(o.status, { 'content-type': 'application/json', 'content-length': body.length, ...o.headers });
  if (o.dripMs === undefined) {
    res.end(body);
    return;
  }
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < body.length) res.write(body.subarray(sent, (sent += 1)));
    else res.end();
  }, o.dripMs);
  res.on('close', () => clearInterval(timer));
}

/**
 * Starts the fixture on a free loopback port. `urls` carry the path prefixes;
 * `data` is live (POSTs change it); `close` drops every open connection,
 * held ones included.
 */
export async function startFixtureUpstream(options: FixtureOptions = {}): Promise<FixtureUpstream> {
  const data = options.data ?? defaultFixtureData();
  const requests: RecordedRequest[] = [];
  const keys: IdempotencyKeys = new Map();
  const paging: Paging = { pageItems: options.pageItems, cursor: options.cursor, scanLimit: options.scanLimit, issued: new Map() };
  const prefixes = new Map<string, ServiceName>(SERVICE_NAMES.map((s) => [`${s}-svc`, s] as const));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fixture.invalid');
    const [, prefix = '', ...rest] = url.pathname.split('/');
    const service = prefixes.get(prefix);
    if (service === undefined) return send(res, notFound('service'));
    const info: FixtureRequest = { service, method: req.method ?? 'GET', path: '/' + rest.join('/'), query: url.searchParams, headers: req.headers };
    requests.push({ ...info, rawUrl: (req.url ?? '').slice(prefix.length + 1) });
    const override = await options.onRequest?.(info);
    if (override) return applyOverride(req, res, override);
    send(res, route(data, keys, info, Buffer.concat(chunks).toString('utf8'), paging));
  }
  const send = (res: ServerResponse, [status, body]: Reply): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => (res.headersSent ? res.destroy() : send(res, fail(500, 'INTERNAL', 'fixture failure'))));
  };
  const server = options.tls ? https.createServer(options.tls, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const urls = Object.fromEntries(SERVICE_NAMES.map((s) => [s, `${origin}/${s}-svc`])) as Record<ServiceName, string>;
  return {
    urls,
    requests,
    data,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A fixture upstream whose product reads (not its health probe) wait until `release()`; `held` resolves when one arrives. */
export async function holdProductCalls(): Promise<{ held: Promise<void>; release: () => void; fixture: FixtureUpstream }> {
  let arrived!: () => void;
  const held = new Promise<void>((resolve) => (arrived = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const fixture = await startFixtureUpstream({
    onRequest: async (req) => {
      if (req.service === 'products' && req.path !== '/health') {
        arrived();
        await released;
      }
    },
  });
  return { held, release, fixture };
}
