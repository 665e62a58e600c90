import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureOverride, FixtureRequest } from '../helpers/fixture-upstream.js';
import { bearer, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { MOBILE_DASHBOARD } from '../operations/contract.js';
import { DEADLINE_MS, expectNothingLeaked, type FaultRig, MARGIN_MS, SECRET, startFaultRig, timedGql } from './gateway-faults.js';

/** Needs products (the product), inventory (inStock) and reviews (reviewCount). */
const PRODUCT = /* GraphQL */ `
  query Faulty {
    product(id: "fx-p1") { id name inStock reviewCount }
  }
`;

let rig: FaultRig;
beforeAll(async () => {
  // The breaker is tested on its own (circuit-breaker.test.ts); here every fault reaches the service.
  rig = await startFaultRig({ CIRCUIT_FAILURE_THRESHOLD: '1000' });
});
afterEach(() => rig.reset());
afterAll(() => rig.close());

const onInventory = (fault: (req: FixtureRequest) => void | FixtureOverride | Promise<void | FixtureOverride>) => (req: FixtureRequest) =>
  req.service === 'inventory' ? fault(req) : undefined;
const inventoryCalls = () => rig.upstream.requests.filter((r) => r.service === 'inventory').length;

describe('One failing upstream nulls only the fields that need it', () => {
  it.each<[string, (req: FixtureRequest) => void | FixtureOverride | Promise<void | FixtureOverride>, string]>([
    ['a 500', () => ({ status: 500, body: JSON.stringify({ error: { code: 'BOOM', message: SECRET } }) }), 'UPSTREAM_UNAVAILABLE'],
    ['a response that never comes', () => new Promise<void>(() => {}), 'UPSTREAM_TIMEOUT'],
    ['a body dripping one byte a second', () => ({ status: 200, body: JSON.stringify({ items: [] }), dripMs: 1_000 }), 'UPSTREAM_TIMEOUT'],
    ['a 200 whose body is not JSON', () => ({ status: 200, body: `<html>${SECRET}</html>`, headers: { 'content-type': 'text/html' } }), 'UPSTREAM_BAD_RESPONSE'],
    ['a 200 with JSON of the wrong shape', () => ({ status: 200, body: JSON.stringify({ items: [{ productId: 42, quantity: SECRET }] }) }), 'UPSTREAM_BAD_RESPONSE'],
    ['a 429 with Retry-After: 3600', () => ({ status: 429, headers: { 'retry-after': '3600' }, body: SECRET }), 'UPSTREAM_UNAVAILABLE'],
  ])('%s: HTTP 200, the rest of the data, one error at the field’s path, within the deadline', async (_, fault, code) => {
    rig.hook(onInventory(fault));
    const { status, body, ms } = await timedGql(rig.gateway, 'web', PRODUCT);
    expect(status).toBe(200);
    expect(body.data).toEqual({ product: { id: 'fx-p1', name: 'Fx Anvil', inStock: null, reviewCount: expect.any(Number) } });
    expect(body.errors).toEqual([
      { message: 'inventory service ' + (code === 'UPSTREAM_TIMEOUT' ? 'timed out' : code === 'UPSTREAM_BAD_RESPONSE' ? 'returned a malformed response' : 'unavailable'), path: ['product', 'inStock'], extensions: { code, service: 'inventory' }, locations: expect.any(Array) },
    ]);
    expectNothingLeaked(body);
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    // None of these is worth a retry: each is exactly one call.
    expect(inventoryCalls()).toBe(1);
  });

  it('answers a refused connection with UPSTREAM_UNAVAILABLE after bounded retries, naming no host or port', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const gateway = await startTestGateway({
      upstreams: { ...rig.upstream.urls, inventory: `http://127.0.0.1:${port}/inventory-svc` },
      env: { UPSTREAM_TIMEOUT_MS: String(DEADLINE_MS) },
    });
    try {
      const { status, body, ms } = await timedGql(gateway, 'web', PRODUCT);
      expect(status).toBe(200);
      expect(body.data).toEqual({ product: { id: 'fx-p1', name: 'Fx Anvil', inStock: null, reviewCount: expect.any(Number) } });
      expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['product', 'inStock'], 'UPSTREAM_UNAVAILABLE']]);
      expect(JSON.stringify(body)).not.toContain(String(port));
      expectNothingLeaked(body);
      expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    } finally {
      await gateway.close();
    }
  });

  it('cuts off a well-formed answer larger than UPSTREAM_MAX_RESPONSE_BYTES: UPSTREAM_BAD_RESPONSE at that field only', async () => {
    // 64 KB of valid JSON (the stock row, then whitespace): fine under the default limit, too large under a 16 KB one.
    const large = JSON.stringify({ items: rig.upstream.data.stock.filter((s) => s.productId === 'fx-p1') }) + ' '.repeat(64 * 1024);
    rig.hook(onInventory(() => ({ status: 200, body: large })));
    const gateway = await startTestGateway({ upstreams: rig.upstream.urls, env: { UPSTREAM_MAX_RESPONSE_BYTES: '16384' } });
    try {
      const { status, body } = await timedGql(gateway, 'web', PRODUCT);
      expect(status).toBe(200);
      expect(body.data).toEqual({ product: { id: 'fx-p1', name: 'Fx Anvil', inStock: null, reviewCount: expect.any(Number) } });
      expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['product', 'inStock'], 'UPSTREAM_BAD_RESPONSE']]);
      expectNothingLeaked(body);
    } finally {
      await gateway.close();
    }
    const { body } = await timedGql(rig.gateway, 'web', PRODUCT);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ product: { id: 'fx-p1', name: 'Fx Anvil', inStock: expect.any(Boolean), reviewCount: expect.any(Number) } });
  });

  it('answers a 404 from a read with NOT_FOUND at that field, the other root field intact', async () => {
    rig.hook((req) => (req.service === 'orders' ? { status: 404, body: SECRET } : undefined));
    const query = '{ me { id name } order(id: "fx-o1") { id status } }';
    const { status, body } = await timedGql(rig.gateway, 'web', query, {}, bearer(await tokenFor('fx-alice')));
    expect(status).toBe(200);
    expect(body.data).toEqual({ me: { id: 'fx-alice', name: 'Alice Fixture' }, order: null });
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['order'], 'NOT_FOUND']]);
    expectNothingLeaked(body);
  });

  it('nulls the inventory fields of every item of a list, each with its own error, the rest of each item intact', async () => {
    rig.hook(onInventory(() => ({ status: 500, body: SECRET })));
    const query = '{ products(first: 3) { edges { node { id name inStock price { currency } } } } }';
    const { status, body } = await timedGql<{ products: { edges: { node: Record<string, unknown> }[] } }>(rig.gateway, 'web', query);
    expect(status).toBe(200);
    const nodes = body.data!.products.edges.map((e) => e.node);
    expect(nodes).toHaveLength(3);
    for (const node of nodes) expect(node).toEqual({ id: expect.any(String), name: expect.any(String), inStock: null, price: { currency: expect.any(String) } });
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual(
      [0, 1, 2].map((i) => [['products', 'edges', i, 'node', 'inStock'], 'UPSTREAM_UNAVAILABLE']),
    );
    expectNothingLeaked(body);
    expect(inventoryCalls()).toBe(1);
  });

  it.each([
    ['notifications', 'unreadCount', 10],
    // A list that came back null still costs its own weight (the call was made), and none of the five items assumed.
    ['orders', 'recentOrders', 3],
  ] as const)('the %s service failing nulls only the dashboard’s %s, with its error, and the rest is answered', async (service, field, actualCost) => {
    const alice = bearer(await tokenFor('fx-alice'));
    const full = await timedGql<{ dashboard: Record<string, unknown> }>(rig.gateway, 'mobile', MOBILE_DASHBOARD, {}, alice);
    expect(full.body.errors).toBeUndefined();
    rig.hook((req) => (req.service === service ? { status: 500, body: SECRET } : undefined));
    const { status, body } = await timedGql<{ dashboard: Record<string, unknown> }>(rig.gateway, 'mobile', MOBILE_DASHBOARD, {}, alice);
    expect(status).toBe(200);
    expect(body.data).toEqual({ dashboard: { ...full.body.data!.dashboard, [field]: null } });
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['dashboard', field], 'UPSTREAM_UNAVAILABLE']]);
    expect(body.extensions!['cost']).toMatchObject({ requestedQueryCost: 12, actualQueryCost: actualCost });
    expectNothingLeaked(body);
  });

  it("nulls an order line's inStock, not its product, when the inventory fails under an order history", async () => {
    rig.hook(onInventory(() => ({ status: 500, body: SECRET })));
    const query = '{ me { orders(first: 1) { edges { node { id lines { quantity product { id name inStock } } } } } } }';
    type Lines = { me: { orders: { edges: { node: { lines: { product: Record<string, unknown> }[] } }[] } } };
    const { status, body } = await timedGql<Lines>(rig.gateway, 'web', query, {}, bearer(await tokenFor('fx-alice')));
    expect(status).toBe(200);
    const lines = body.data!.me.orders.edges[0]!.node.lines;
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.product).toEqual({ id: expect.any(String), name: expect.any(String), inStock: null });
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual(
      lines.map((_, i) => [['me', 'orders', 'edges', 0, 'node', 'lines', i, 'product', 'inStock'], 'UPSTREAM_UNAVAILABLE']),
    );
    expectNothingLeaked(body);
  });

  it('keeps an operation whose two levels of calls both stall within one deadline', async () => {
    // Level one takes half the deadline, so that on a loaded machine it still answers inside it, and the half it
    // takes is what tells one deadline (about OPERATION_MS in all) from a fresh one per level (LEVEL_ONE_MS more).
    const OPERATION_MS = 6_000;
    const LEVEL_ONE_MS = 3_000;
    const slow = await startFaultRig({ UPSTREAM_TIMEOUT_MS: String(OPERATION_MS), CIRCUIT_FAILURE_THRESHOLD: '1000' });
    try {
      // Level one (the reviews page) answers having used half the deadline; level two (the authors) never does.
      slow.hook(async (req) => {
        if (req.service === 'reviews' && req.path === '/reviews') await new Promise((r) => setTimeout(r, LEVEL_ONE_MS));
        if (req.service === 'users') await new Promise<void>(() => {});
      });
      const query = '{ product(id: "fx-p1") { id name reviews(first: 2) { edges { node { id author { id name } } } } } }';
      const { status, body, ms } = await timedGql<{ product: { reviews: { edges: { node: { author: unknown } }[] } } }>(slow.gateway, 'web', query);
      expect(status).toBe(200);
      const edges = body.data!.product.reviews.edges;
      expect(edges.length).toBeGreaterThan(0);
      expect(edges.map((e) => e.node.author)).toEqual(edges.map(() => null));
      expect(new Set(body.errors!.map((e) => e.extensions!['code']))).toEqual(new Set(['UPSTREAM_TIMEOUT']));
      expect(body.errors!.map((e) => e.path!.slice(-1)[0])).toEqual(edges.map(() => 'author'));
      // Each call on its own timeout would take LEVEL_ONE_MS + OPERATION_MS; one deadline, OPERATION_MS and the time to
      // answer. The bound lies halfway: either side has LEVEL_ONE_MS / 2 to spare.
      expect(ms).toBeLessThan(OPERATION_MS + LEVEL_ONE_MS / 2);
    } finally {
      await slow.close();
    }
  }, 30_000);
});

/**
 * The rig above runs at the production default (5 s) with a wide margin, so it cannot tell UPSTREAM_TIMEOUT_MS
 * honoured from ignored, nor a deadline from one far past it. A warm gateway (its plan compiled, its connections
 * open) with a deadline well under the default can: each fault must be answered after that deadline has fired and
 * before the default one would have.
 */
describe('The deadline UPSTREAM_TIMEOUT_MS sets, on a warm gateway', () => {
  const SHORT_MS = 1_500;
  /** Past SHORT_MS: scheduling on loaded cores. Ends before the default deadline (5 s), and long before no deadline. */
  const LATE_MS = SHORT_MS + 2_000;
  let short: FaultRig;
  beforeAll(async () => {
    short = await startFaultRig({ UPSTREAM_TIMEOUT_MS: String(SHORT_MS), CIRCUIT_FAILURE_THRESHOLD: '1000' });
  });
  afterEach(() => short.reset());
  afterAll(() => short.close());

  /** The faulted operation's answer, or 'no answer' once LATE_MS is over. */
  async function answerWithin(fault: (req: FixtureRequest) => void | FixtureOverride | Promise<void | FixtureOverride>) {
    const warm = await timedGql(short.gateway, 'web', PRODUCT);
    expect(warm.body.errors).toBeUndefined();
    short.reset();
    short.hook(onInventory(fault));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), LATE_MS * 2)));
    const answer = await Promise.race([timedGql(short.gateway, 'web', PRODUCT), late]).finally(() => clearTimeout(timer));
    expect(answer).not.toBe('no answer');
    return answer as Awaited<ReturnType<typeof timedGql>>;
  }

  it.each<[string, (req: FixtureRequest) => void | FixtureOverride | Promise<void | FixtureOverride>]>([
    ['a response that never comes', () => new Promise<void>(() => {})],
    ['a body dripping one byte a second', () => ({ status: 200, body: JSON.stringify({ items: [] }), dripMs: 1_000 })],
  ])('%s: UPSTREAM_TIMEOUT once the deadline has fired, well before the default one would', async (_, fault) => {
    const { status, body, ms } = await answerWithin(fault);
    expect(status).toBe(200);
    expect(body.data).toEqual({ product: { id: 'fx-p1', name: 'Fx Anvil', inStock: null, reviewCount: expect.any(Number) } });
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['product', 'inStock'], 'UPSTREAM_TIMEOUT']]);
    // Not before the deadline (the fault, not something else, was cut), and not at the default's 5 s or later.
    expect(ms).toBeGreaterThanOrEqual(SHORT_MS);
    expect(ms).toBeLessThan(LATE_MS);
    expect(short.upstream.requests.filter((r) => r.service === 'inventory')).toHaveLength(1);
  });

  it('answers a 429 with Retry-After: 3600 before the deadline, having waited for nothing', async () => {
    const { body, ms } = await answerWithin(() => ({ status: 429, headers: { 'retry-after': '3600' }, body: SECRET }));
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['product', 'inStock'], 'UPSTREAM_UNAVAILABLE']]);
    expectNothingLeaked(body);
    // Waiting out the deadline for a retry it can never make would take SHORT_MS.
    expect(ms).toBeLessThan(SHORT_MS);
    expect(short.upstream.requests.filter((r) => r.service === 'inventory')).toHaveLength(1);
  });
});

describe('Retries seen from the gateway', () => {
  it('succeeds after one retry when a GET gets 503 then 200', async () => {
    let failed = false;
    rig.hook(onInventory(() => (failed ? undefined : ((failed = true), { status: 503 }))));
    const { body } = await timedGql(rig.gateway, 'web', PRODUCT);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ product: { id: 'fx-p1', name: 'Fx Anvil', inStock: expect.any(Boolean), reviewCount: expect.any(Number) } });
    expect(inventoryCalls()).toBe(2);
  });

  it('makes exactly one call when a POST gets 503, and returns UPSTREAM_UNAVAILABLE', async () => {
    rig.hook((req) => (req.method === 'POST' ? { status: 503, body: SECRET } : undefined));
    const input = { idempotencyKey: 'retry-test-0001', lines: [{ productId: 'fx-p1', quantity: 1 }] };
    const mutation = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } } }';
    const { status, body } = await timedGql(rig.gateway, 'web', mutation, { input }, bearer(await tokenFor('fx-alice', { scope: 'orders:write' })));
    expect(status).toBe(200);
    expect(body.data).toEqual({ placeOrder: null });
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['placeOrder'], 'UPSTREAM_UNAVAILABLE']]);
    expectNothingLeaked(body);
    expect(rig.upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});

describe('Mutations whose write the service refuses', () => {
  // A 404 from the mark-read POST was answered `{ notification: null }` without an error: nothing had been marked, and
  // the app could not tell.
  it('answers NOT_FOUND when the notifications service no longer finds the notification it is asked to mark read', async () => {
    rig.hook((req) => (req.method === 'POST' ? { status: 404, body: JSON.stringify({ error: { code: 'NOT_FOUND', message: SECRET } }) } : undefined));
    const mutation = 'mutation { markNotificationRead(id: "fx-n1") { notification { id read } } }';
    const { body } = await timedGql(rig.gateway, 'mobile', mutation, {}, bearer(await tokenFor('fx-alice', { scope: 'notifications:write' })));
    expect(body.data).toEqual({ markNotificationRead: null });
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['markNotificationRead'], 'NOT_FOUND']]);
    expectNothingLeaked(body);
    expect(rig.upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(rig.upstream.data.notifications.find((n) => n.id === 'fx-n1')!.read).toBe(false);
  });
});
