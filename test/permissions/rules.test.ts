import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureOverride, type FixtureRequest, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { CATALOG, PLACE_ORDER } from '../operations/contract.js';

let upstream: FixtureUpstream;
let gateway: Gateway;
let alice: Record<string, string>;
/** A fault the fixture injects for the current test; reset before each. */
let fault: ((req: FixtureRequest) => FixtureOverride | void) | null = null;

beforeAll(async () => {
  upstream = await startFixtureUpstream({ onRequest: (req) => fault?.(req) });
  gateway = await startTestGateway({ upstreams: upstream.urls });
  alice = bearer(await tokenFor('fx-alice', { scope: '' }));
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => {
  fault = null;
});

const ORDER = `query($id: ID!) { order(id: $id) { id status total { amount currency } lines { quantity } } }`;
const codes = (errors: { extensions?: Record<string, unknown> }[] | undefined) => (errors ?? []).map((e) => e.extensions?.['code']);
const asked = (service: string) => upstream.requests.filter((r) => r.service === service).length;
/** `service` lists `items` as fx-alice's: what a lying or buggy service could answer for her list. */
const listForAlice = (service: string, items: unknown[]) => {
  fault = (req) => (req.service === service && req.query.get('userId') === 'fx-alice' ? { status: 200, body: JSON.stringify({ items, nextCursor: null }) } : undefined);
};

describe('Permission rules: mobile', () => {
  it('opens catalog data to anonymous callers', async () => {
    const { body } = await gql(gateway, 'mobile', `{ product(id: "fx-p1") { id name } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ product: { id: 'fx-p1', name: upstream.data.products[0]!.name } });
  });

  it('answers every viewer field without a token with null and UNAUTHENTICATED at its path, asking no service', async () => {
    const before = upstream.requests.length;
    const { body } = await gql(
      gateway,
      'mobile',
      `{ dashboard { unreadCount } notifications(first: 5) { edges { node { id } } } order(id: "fx-o1") { id } }`,
    );
    expect(body.data).toEqual({ dashboard: null, notifications: null, order: null });
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual(
      expect.arrayContaining([
        [['dashboard'], 'UNAUTHENTICATED'],
        [['notifications'], 'UNAUTHENTICATED'],
        [['order'], 'UNAUTHENTICATED'],
      ]),
    );
    expect(body.errors).toHaveLength(3);
    expect(body.errors![0]!.message).toContain('Authorization: Bearer');
    expect(upstream.requests.length).toBe(before);
  });

  it('needs `notifications:write` to mark a notification read: FORBIDDEN without it, nothing marked', async () => {
    const mutation = `mutation($id: ID!) { markNotificationRead(id: $id) { notification { id read } } }`;
    const before = upstream.requests.filter((r) => r.method === 'POST').length;
    const refused = await gql(gateway, 'mobile', mutation, { id: 'fx-n1' }, alice);
    expect(refused.body.data).toEqual({ markNotificationRead: null });
    expect(codes(refused.body.errors)).toEqual(['FORBIDDEN']);
    expect(refused.body.errors![0]!.message).toContain('notifications:write');
    const anonymous = await gql(gateway, 'mobile', mutation, { id: 'fx-n1' });
    expect(codes(anonymous.body.errors)).toEqual(['UNAUTHENTICATED']);
    expect(upstream.requests.filter((r) => r.method === 'POST').length).toBe(before);
    expect(upstream.data.notifications.find((n) => n.id === 'fx-n1')!.read).toBe(false);
  });

  // A token with no scopes at all cannot tell "has this scope" from "has any scope": this one holds the other one.
  it('refuses `markNotificationRead` to a token holding only another scope (`orders:write`), nothing marked', async () => {
    const mutation = `mutation($id: ID!) { markNotificationRead(id: $id) { notification { id read } } }`;
    const before = upstream.requests.filter((r) => r.method === 'POST').length;
    const orderWriter = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
    const refused = await gql(gateway, 'mobile', mutation, { id: 'fx-n1' }, orderWriter);
    expect(refused.body.data).toEqual({ markNotificationRead: null });
    expect(codes(refused.body.errors)).toEqual(['FORBIDDEN']);
    expect(upstream.requests.filter((r) => r.method === 'POST').length).toBe(before);
    expect(upstream.data.notifications.find((n) => n.id === 'fx-n1')!.read).toBe(false);
  });

  it("refuses another user's notification even when the service lists it among the viewer's", async () => {
    const bobs = upstream.data.notifications.find((n) => n.userId === 'fx-bob')!;
    listForAlice('notifications', [bobs]);
    const { body } = await gql(gateway, 'mobile', `{ notifications(first: 5) { edges { node { id message } } } }`, {}, alice);
    expect(body.data).toEqual({ notifications: null });
    expect(codes(body.errors)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(body)).not.toContain(bobs.message);
  });

  // A field returning a list of owned objects: each of them is checked, not only the first.
  it("refuses another user's order listed after the viewer's own among the dashboard's recent orders", async () => {
    const own = upstream.data.orders.find((o) => o.userId === 'fx-alice')!;
    const bobs = upstream.data.orders.find((o) => o.userId === 'fx-bob')!;
    listForAlice('orders', [own, bobs]);
    const { body } = await gql(gateway, 'mobile', `{ dashboard { recentOrders { id total { amount } } } }`, {}, alice);
    expect(codes(body.errors)).toEqual(['FORBIDDEN']);
    expect(body.errors![0]!.path).toEqual(['dashboard', 'recentOrders']);
    expect(JSON.stringify(body)).not.toContain(bobs.id);
  });
});

describe('Permission rules: web', () => {
  it("answers another user's order with `order: null` and one FORBIDDEN at [\"order\"], leaking nothing of it", async () => {
    const bobs = upstream.data.orders.find((o) => o.userId === 'fx-bob')!;
    const before = asked('orders');
    const { body } = await gql(gateway, 'web', ORDER, { id: bobs.id }, alice);
    expect(body.data).toEqual({ order: null });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({ path: ['order'], extensions: { code: 'FORBIDDEN' } });
    const text = JSON.stringify(body);
    expect(text).not.toContain(bobs.id);
    expect(text).not.toContain((bobs.total.amountMinor / 100).toFixed(2));
    // The rule loads the order through the request's DataLoader: the resolver reuses it, one upstream call.
    expect(asked('orders') - before).toBe(1);
  });

  it("serves the viewer's own order and answers an unknown id with null and no error", async () => {
    const own = await gql<{ order: { id: string } }>(gateway, 'web', ORDER, { id: 'fx-o1' }, alice);
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data!.order.id).toBe('fx-o1');
    const unknown = await gql(gateway, 'web', ORDER, { id: 'fx-o-none' }, alice);
    expect(unknown.body.data).toEqual({ order: null });
    expect(unknown.body.errors).toBeUndefined();
  });

  it("refuses another user's order even when the orders service lists it among the viewer's", async () => {
    const bobs = upstream.data.orders.find((o) => o.userId === 'fx-bob')!;
    listForAlice('orders', [bobs]);
    const { body } = await gql<{ me: { id: string; orders: unknown } }>(
      gateway, 'web', `{ me { id orders(first: 5) { edges { node { id total { amount } } } } } }`, {}, alice);
    expect(body.data).toEqual({ me: { id: 'fx-alice', orders: null } });
    expect(new Set(codes(body.errors))).toEqual(new Set(['FORBIDDEN']));
    expect(JSON.stringify(body)).not.toContain(bobs.id);
  });

  // Ownership is decided once per owner id and request: the verdict for the viewer's own order must not answer for
  // the next order in the same list.
  it("refuses another user's order listed right after one of the viewer's own", async () => {
    const own = upstream.data.orders.find((o) => o.userId === 'fx-alice')!;
    const bobs = upstream.data.orders.find((o) => o.userId === 'fx-bob')!;
    listForAlice('orders', [own, bobs]);
    const { body } = await gql(gateway, 'web', `{ me { id orders(first: 5) { edges { node { id total { amount } } } } } }`, {}, alice);
    // The second edge is refused; its non-null node takes the connection with it.
    expect(body.data).toEqual({ me: { id: 'fx-alice', orders: null } });
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['me', 'orders', 'edges', 1, 'node'], 'FORBIDDEN']]);
    expect(JSON.stringify(body)).not.toContain(bobs.id);
  });

  it('lets an upstream failure behind the ownership rule through with its own code, not FORBIDDEN', async () => {
    fault = (req) => (req.service === 'orders' ? { status: 503, body: '{}' } : undefined);
    const { body } = await gql(gateway, 'web', ORDER, { id: 'fx-o1' }, alice);
    expect(body.data).toEqual({ order: null });
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]).toMatchObject({ path: ['order'], extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
  });

  it('lets a resolver failure on an open field through with its own code (shield does not swallow it)', async () => {
    fault = (req) => (req.service === 'products' ? { status: 503, body: '{}' } : undefined);
    const { body } = await gql(gateway, 'web', `{ product(id: "fx-p1") { id name } }`);
    expect(body.data).toEqual({ product: null });
    expect(codes(body.errors)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(JSON.stringify(body)).not.toContain('Not Authorised');
  });

  it('needs `orders:write` to place an order: FORBIDDEN without it, and nothing reaches the orders service', async () => {
    const input = { idempotencyKey: randomUUID(), lines: [{ productId: 'fx-p1', quantity: 1 }] };
    const before = upstream.requests.filter((r) => r.method === 'POST').length;
    const refused = await gql(gateway, 'web', PLACE_ORDER, { input }, alice);
    expect(refused.body.data).toEqual({ placeOrder: null });
    expect(codes(refused.body.errors)).toEqual(['FORBIDDEN']);
    expect(upstream.requests.filter((r) => r.method === 'POST').length).toBe(before);
    const writer = bearer(await tokenFor('fx-alice', { scope: 'orders:write' }));
    const placed = await gql(gateway, 'web', PLACE_ORDER, { input }, writer);
    expect(placed.body.errors).toBeUndefined();
  });

  it('refuses `placeOrder` to a token holding only another scope (`notifications:write`), sending nothing', async () => {
    const input = { idempotencyKey: randomUUID(), lines: [{ productId: 'fx-p1', quantity: 1 }] };
    const before = upstream.requests.filter((r) => r.method === 'POST').length;
    const notificationWriter = bearer(await tokenFor('fx-alice', { scope: 'notifications:write' }));
    const refused = await gql(gateway, 'web', PLACE_ORDER, { input }, notificationWriter);
    expect(refused.body.data).toEqual({ placeOrder: null });
    expect(codes(refused.body.errors)).toEqual(['FORBIDDEN']);
    expect(upstream.requests.filter((r) => r.method === 'POST').length).toBe(before);
  });
});

describe('Permission rules: public', () => {
  it('needs an API key (UNAUTHENTICATED naming X-API-Key) and `catalog:read` (FORBIDDEN), asking no service', async () => {
    const before = upstream.requests.length;
    const anonymous = await gql(gateway, 'public', CATALOG, { first: 2 });
    expect(anonymous.body.data).toEqual({ products: null });
    expect(codes(anonymous.body.errors)).toEqual(['UNAUTHENTICATED']);
    expect(anonymous.body.errors![0]!.message).toContain('X-API-Key');
    const noScope = await gql(gateway, 'public', `{ product(id: "fx-p1") { id } }`, {}, { 'x-api-key': 'demo-public-key-noscope' });
    expect(noScope.body.data).toEqual({ product: null });
    expect(codes(noScope.body.errors)).toEqual(['FORBIDDEN']);
    expect(upstream.requests.length).toBe(before);
  });

  it('serves the catalog to a key with `catalog:read`', async () => {
    const { body } = await gql<{ products: { edges: unknown[] } }>(
      gateway, 'public', CATALOG, { first: 2 }, { 'x-api-key': 'demo-public-key-free' });
    expect(body.errors).toBeUndefined();
    expect(body.data!.products.edges).toHaveLength(2);
  });
});
