import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { bearer, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { PLACE_ORDER } from '../operations/contract.js';

let gateway: Gateway;
let writer: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  writer = await tokenFor('u2', { scope: 'orders:write notifications:write' });
});
afterAll(() => gateway.close());

const postsToOrders = () => gateway.demo!.stats().orders.byRoute['POST /orders'] ?? 0;

describe('Mutations', () => {
  it('places an order priced by the orders service, and the same key returns the same order', async () => {
    const input = { idempotencyKey: randomUUID(), lines: [{ productId: 'p1', quantity: 2 }, { productId: 'p2', quantity: 1 }] };
    const first = await gql<{ placeOrder: { order: { id: string; status: string; total: { amount: string } } } }>(
      gateway, 'web', PLACE_ORDER, { input }, bearer(writer));
    expect(first.body.errors).toBeUndefined();
    const placed = gateway.demo!.data.orders.find((o) => o.id === first.body.data!.placeOrder.order.id)!;
    expect(placed.userId).toBe('u2');
    expect(first.body.data!.placeOrder.order).toEqual({
      id: placed.id,
      status: 'PENDING',
      total: { amount: (placed.total.amountMinor / 100).toFixed(2), currency: 'USD' },
    });
    const again = await gql<{ placeOrder: { order: { id: string } } }>(gateway, 'web', PLACE_ORDER, { input }, bearer(writer));
    expect(again.body.data!.placeOrder.order.id).toBe(placed.id);
  });

  // The orders service keys idempotency globally, and clients pick their keys: u3 reusing u2's key
  // got CONFLICT for an order it never placed (and learned the key was taken).
  it('keeps idempotency keys per user: the same key from another user places that user its own order', async () => {
    const other = await tokenFor('u3', { scope: 'orders:write' });
    const input = { idempotencyKey: `shared-${randomUUID()}`, lines: [{ productId: 'p1', quantity: 1 }] };
    const mine = await gql<{ placeOrder: { order: { id: string } } }>(gateway, 'web', PLACE_ORDER, { input }, bearer(writer));
    const theirs = await gql<{ placeOrder: { order: { id: string } } }>(gateway, 'web', PLACE_ORDER, { input }, bearer(other));
    expect(mine.body.errors).toBeUndefined();
    expect(theirs.body.errors).toBeUndefined();
    const ids = [mine, theirs].map((r) => r.body.data!.placeOrder.order.id);
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids.map((id) => gateway.demo!.data.orders.find((o) => o.id === id)?.userId)).toEqual(['u2', 'u3']);
  });

  it('answers CONFLICT when a key is reused with another body', async () => {
    const idempotencyKey = randomUUID();
    await gql(gateway, 'web', PLACE_ORDER, { input: { idempotencyKey, lines: [{ productId: 'p3', quantity: 1 }] } }, bearer(writer));
    const reuse = await gql(gateway, 'web', PLACE_ORDER, { input: { idempotencyKey, lines: [{ productId: 'p4', quantity: 1 }] } }, bearer(writer));
    expect(reuse.body.data).toEqual({ placeOrder: null });
    // Said in the app's terms ("the orders service reported a conflict" told it nothing to act on), naming the field.
    expect(reuse.body.errors![0]).toMatchObject({
      message: expect.stringMatching(/^This idempotencyKey was already used for an order with other lines: send a new key/),
      extensions: { code: 'CONFLICT', field: 'input.idempotencyKey' },
    });
  });

  it('answers BAD_USER_INPUT for an unknown product (upstream 422), naming the lines', async () => {
    const { body } = await gql(gateway, 'web', PLACE_ORDER, { input: { idempotencyKey: randomUUID(), lines: [{ productId: 'p-none', quantity: 1 }] } }, bearer(writer));
    expect(body.errors![0]).toMatchObject({
      message: expect.stringMatching(/^The orders service refused these lines: a product does not exist/),
      extensions: { code: 'BAD_USER_INPUT', field: 'input.lines' },
    });
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['no lines', { idempotencyKey: 'key-12345678', lines: [] }, 'input.lines'],
    ['51 lines', { idempotencyKey: 'key-12345678', lines: Array.from({ length: 51 }, (_, i) => ({ productId: `p${i + 1}`, quantity: 1 })) }, 'input.lines'],
    ['quantity 0', { idempotencyKey: 'key-12345678', lines: [{ productId: 'p1', quantity: 0 }] }, 'input.lines.0.quantity'],
    ['quantity 101', { idempotencyKey: 'key-12345678', lines: [{ productId: 'p1', quantity: 101 }] }, 'input.lines.0.quantity'],
    ['a short idempotency key', { idempotencyKey: 'abc', lines: [{ productId: 'p1', quantity: 1 }] }, 'input.idempotencyKey'],
    ['a key with a newline', { idempotencyKey: 'abcdefgh\nX', lines: [{ productId: 'p1', quantity: 1 }] }, 'input.idempotencyKey'],
    ['the same product twice', { idempotencyKey: 'key-12345678', lines: [{ productId: 'p1', quantity: 1 }, { productId: 'p1', quantity: 2 }] }, 'input.lines.1.productId'],
  ];
  for (const [what, input, field] of invalid) {
    it(`rejects an order with ${what} as BAD_USER_INPUT naming ${field}, sending nothing`, async () => {
      const before = postsToOrders();
      const { body } = await gql(gateway, 'web', PLACE_ORDER, { input }, bearer(writer));
      expect(body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(postsToOrders()).toBe(before);
    });
  }

  it('needs scope orders:write (FORBIDDEN) and a user (UNAUTHENTICATED)', async () => {
    const input = { idempotencyKey: randomUUID(), lines: [{ productId: 'p1', quantity: 1 }] };
    const readOnly = await gql(gateway, 'web', PLACE_ORDER, { input }, bearer(await tokenFor('u2', { scope: '' })));
    expect(readOnly.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const anonymous = await gql(gateway, 'web', PLACE_ORDER, { input });
    expect(anonymous.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it("marks the viewer's notification read, and never another user's", async () => {
    const data = gateway.demo!.data;
    const mine = data.notifications.find((n) => n.userId === 'u2' && !n.read)!;
    const theirs = data.notifications.find((n) => n.userId !== 'u2' && !n.read)!;
    const mutation = `mutation($id: ID!) { markNotificationRead(id: $id) { notification { id read } } }`;
    const ok = await gql(gateway, 'mobile', mutation, { id: mine.id }, bearer(writer));
    expect(ok.body.data).toEqual({ markNotificationRead: { notification: { id: mine.id, read: true } } });
    const refused = await gql(gateway, 'mobile', mutation, { id: theirs.id }, bearer(writer));
    expect(refused.body.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    expect(data.notifications.find((n) => n.id === theirs.id)!.read).toBe(false);
  });

  it('lists notifications with unreadOnly and pages them', async () => {
    const data = gateway.demo!.data;
    const unread = data.notifications.filter((n) => n.userId === 'u1' && !n.read).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const { body } = await gql<{ notifications: { edges: { node: { id: string; read: boolean } }[] } }>(
      gateway, 'mobile', `{ notifications(first: 100, unreadOnly: true) { edges { node { id read } } } }`, {}, bearer(await tokenFor('u1')));
    expect(body.data!.notifications.edges.map((e) => e.node.id)).toEqual(unread.map((n) => n.id));
  });
});
