import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../../clients/create-clients.js';
import { createHttp } from '../../clients/http.js';
import { UpstreamError } from '../../clients/index.js';
import type { FixtureOverride } from '../helpers/fixture-upstream.js';
import { type Harness, META, rejectionOf, startHarness } from './harness.js';

const TIMEOUT_MS = 300;
// One harness for many faults: the breaker and the retry budget (tested in
// circuit-breaker and retry-budget tests) would otherwise carry over between tests.
const GUARDS_OFF = { circuit: { failureThreshold: 1_000 }, retryBudget: { reserve: 1_000 } };
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ timeoutMs: TIMEOUT_MS, ...GUARDS_OFF });
});
afterEach(() => h.reset());
afterAll(() => h.close());

/** The first `times` requests get `override`, the rest are served normally. */
function failFirst(times: number, override: FixtureOverride) {
  let seen = 0;
  return () => (seen++ < times ? override : undefined);
}

async function timed(promise: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await rejectionOf(promise);
  return { error, ms: Date.now() - started };
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Clients: retries', () => {
  // These count calls: a deadline long enough for every retry even on a loaded machine.
  let short: Harness;
  beforeAll(async () => {
    short = h;
    h = await startHarness({ timeoutMs: 3_000, ...GUARDS_OFF });
  });
  afterAll(async () => {
    await h.close();
    h = short;
  });

  it('succeeds after one retry when a GET gets 503 then 200', async () => {
    h.hook(failFirst(1, { status: 503, body: '{"error":{"code":"UNAVAILABLE","message":"busy"}}' }));
    expect((await h.api.users.getUser('fx-alice'))?.id).toBe('fx-alice');
    expect(h.upstream.requests).toHaveLength(2);
    expect(h.events).toEqual([expect.objectContaining({ service: 'users', route: '/users/{id}', status: 200, attempts: 2 })]);
  });

  it('retries a GET whose connection was reset', async () => {
    h.hook(failFirst(1, { destroySocket: true }));
    expect(await h.api.products.getProductsByIds(['fx-p1'])).toHaveLength(1);
    expect(h.upstream.requests).toHaveLength(2);
  });

  it('gives up after the configured retries: 3 calls for three 503s', async () => {
    h.hook(failFirst(10, { status: 503 }));
    expect(await rejectionOf(h.api.users.getUser('fx-alice'))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503 });
    expect(h.upstream.requests).toHaveLength(3);
  });

  it('never retries a POST: 503 means exactly one call and UPSTREAM_UNAVAILABLE', async () => {
    h.hook(failFirst(1, { status: 503 }));
    const error = await rejectionOf(h.api.orders.placeOrder({ userId: 'fx-alice', lines: [{ productId: 'fx-p1', quantity: 1 }] }, 'k-503'));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'orders', message: 'orders service unavailable' });
    expect(h.upstream.requests).toHaveLength(1);
  });

  // A keep-alive socket the orders service had just closed lost the checkout: 'UPSTREAM_UNAVAILABLE' for an order
  // that was never placed. Its Idempotency-Key makes the resend safe: one more try, with the same key.
  it('sends a POST once more, with the same Idempotency-Key, when its connection was reset', async () => {
    h.hook(failFirst(1, { destroySocket: true }));
    const order = await h.api.orders.placeOrder({ userId: 'fx-alice', lines: [{ productId: 'fx-p1', quantity: 1 }] }, 'k-reset');
    expect(order.userId).toBe('fx-alice');
    expect(h.upstream.requests.map((r) => [r.method, r.headers['idempotency-key']])).toEqual([
      ['POST', 'k-reset'],
      ['POST', 'k-reset'],
    ]);
  });

  it('sends a POST that has no Idempotency-Key of its caller once, even when its connection was reset', async () => {
    h.hook(failFirst(1, { destroySocket: true }));
    const error = await rejectionOf(h.api.notifications.markRead('fx-n1'));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'notifications' });
    expect(h.upstream.requests.map((r) => r.method)).toEqual(['POST']);
  });

  it('sends a POST at most twice when its connection keeps failing', async () => {
    h.hook(failFirst(10, { destroySocket: true }));
    const error = await rejectionOf(h.api.orders.placeOrder({ userId: 'fx-alice', lines: [{ productId: 'fx-p1', quantity: 1 }] }, 'k-resets'));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'orders' });
    expect(h.upstream.requests).toHaveLength(2);
  });

  it('does not retry a 500', async () => {
    h.hook(failFirst(1, { status: 500 }));
    expect(await rejectionOf(h.api.users.getUser('fx-alice'))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('fails within the deadline on 429 with Retry-After: 3600, without waiting', async () => {
    const slow = createClients({ urls: h.upstream.urls, timeoutMs: 5000 });
    h.hook(failFirst(5, { status: 429, headers: { 'retry-after': '3600' } }));
    const { error, ms } = await timed(slow.forRequest(META).users.getUser('fx-alice'));
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 429 });
    // Well before the 5 s deadline it would reach by waiting.
    expect(ms).toBeLessThan(2500);
    expect(h.upstream.requests).toHaveLength(1);
    slow.close();
  });

  it('does not retry a 503 whose Retry-After is beyond reach', async () => {
    h.hook(failFirst(5, { status: 503, headers: { 'retry-after': '3600' } }));
    expect(await rejectionOf(h.api.users.getUser('fx-alice'))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('maps connection refused to UPSTREAM_UNAVAILABLE after bounded retries, naming no host or port', async () => {
    const port = await closedPort();
    const events: unknown[] = [];
    const urls = { ...h.upstream.urls, inventory: `http://127.0.0.1:${port}/inventory-svc` };
    const refused = createClients({ urls, timeoutMs: 2000, onCall: (e) => events.push(e) });
    const error = await rejectionOf(refused.forRequest(META).inventory.getStockByProductIds(['fx-p1']));
    refused.close();
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'inventory', message: 'inventory service unavailable' });
    expect((error as Error).message).not.toMatch(new RegExp(`127\\.0\\.0\\.1|${port}|http`));
    expect(events).toEqual([expect.objectContaining({ attempts: 3, errorCode: 'UPSTREAM_UNAVAILABLE' })]);
  });
});

describe('Clients: deadlines', () => {
  it('fails a hanging response with UPSTREAM_TIMEOUT within the deadline', async () => {
    h.hook(() => new Promise<void>(() => {}));
    const { error, ms } = await timed(h.api.reviews.listReviews('fx-p1'));
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', service: 'reviews', message: 'reviews service timed out' });
    expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
  });

  it('aborts a body dripping one byte at a time at the deadline', async () => {
    h.hook(failFirst(1, { status: 200, body: JSON.stringify({ items: [], nextCursor: null }), dripMs: 100 }));
    const { error, ms } = await timed(h.api.reviews.listReviews('fx-p1'));
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('fails a hanging POST with UPSTREAM_TIMEOUT too', async () => {
    h.hook(() => new Promise<void>(() => {}));
    const { error, ms } = await timed(h.api.notifications.markRead('fx-n1'));
    expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
  });
});

describe('Clients: bad and error responses', () => {
  it('maps a 200 with a non-JSON body to UPSTREAM_BAD_RESPONSE in one call, without echoing the body', async () => {
    h.hook(failFirst(1, { status: 200, body: '<html>secret-proxy-page at 10.1.2.3</html>', headers: { 'content-type': 'text/html' } }));
    const error = await rejectionOf(h.api.products.getProduct('fx-p1'));
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', message: 'products service returned a malformed response' });
    expect(JSON.stringify(error) + String(error) + String((error as Error).cause)).not.toMatch(/secret|10\.1\.2\.3/);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it.each([
    ['an item with a numeric id', { items: [{ id: 42 }] }],
    ['items that are not an array', { items: 'fx-p1' }],
    ['a non-object body', [1, 2, 3]],
    ['a product missing its tags', { items: [{ id: 'x', name: 'n', description: '', categoryId: 'c', imageUrl: '', thumbnailUrl: '' }] }],
  ])('maps wrong-shaped JSON (%s) to UPSTREAM_BAD_RESPONSE', async (_, body) => {
    h.hook(failFirst(1, { status: 200, body: JSON.stringify(body) }));
    expect(await rejectionOf(h.api.products.getProductsByIds(['fx-p1']))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('rejects a page whose nextCursor is neither a string nor null, and an unknown order status', async () => {
    h.hook(failFirst(1, { status: 200, body: JSON.stringify({ items: [], nextCursor: 7 }) }));
    expect(await rejectionOf(h.api.products.listProducts())).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    const order = { ...h.upstream.data.orders[0], status: 'lost' };
    h.hook(failFirst(1, { status: 200, body: JSON.stringify(order) }));
    expect(await rejectionOf(h.api.orders.getOrder('fx-o1'))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it('keeps an upstream error body out of the message', async () => {
    h.hook(failFirst(1, { status: 400, body: '{"error":{"code":"BAD","message":"db-7.corp:5432 said no"}}' }));
    const error = await rejectionOf(h.api.orders.listOrdersByUser('fx-alice'));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', message: 'the orders service rejected the input' });
    expect(String(error)).not.toContain('db-7');
  });

  it('maps 409 to CONFLICT and 422 to BAD_USER_INPUT', async () => {
    h.hook(failFirst(1, { status: 409 }));
    expect(await rejectionOf(h.api.orders.placeOrder({ userId: 'fx-bob', lines: [] }, 'k-409'))).toMatchObject({ code: 'CONFLICT' });
    h.hook(failFirst(1, { status: 422 }));
    expect(await rejectionOf(h.api.orders.placeOrder({ userId: 'fx-bob', lines: [] }, 'k-422'))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('throws NOT_FOUND for a 404 on a batch read (only single reads turn 404 into null)', async () => {
    h.hook(failFirst(1, { status: 404 }));
    expect(await rejectionOf(h.api.users.getUsersByIds(['fx-alice']))).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('aborts a body larger than maxResponseBytes as UPSTREAM_BAD_RESPONSE', async () => {
    const http = createHttp({ maxResponseBytes: 1024 });
    h.hook(failFirst(1, { status: 200, body: JSON.stringify({ items: [], padding: 'x'.repeat(50_000) }) }));
    const call = http.call({ service: 'products', method: 'GET', url: `${h.upstream.urls.products}/products`, route: '/products', meta: META, parse: (b) => b });
    expect(await rejectionOf(call)).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', service: 'products' });
    http.close();
  });

  it('keeps working when the onCall observer throws', async () => {
    const clients = createClients({ urls: h.upstream.urls, onCall: () => {
      throw new Error('metrics broke');
    } });
    expect((await clients.forRequest(META).users.getUser('fx-bob'))?.id).toBe('fx-bob');
    clients.close();
  });
});
