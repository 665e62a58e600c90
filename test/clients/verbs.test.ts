import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../clients/index.js';
import { type Harness, rejectionOf, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

describe('Clients: every verb against a contract-honouring upstream', () => {
  it('reads one user, and null for an unknown one', async () => {
    const alice = await h.api.users.getUser('fx-alice');
    expect(alice).toEqual(h.upstream.data.users.find((u) => u.id === 'fx-alice'));
    expect(alice?.tier).toBe('pro');
    expect(await h.api.users.getUser('fx-nobody')).toBeNull();
  });

  it('reads users by ids, leaving unknown ids out', async () => {
    const users = await h.api.users.getUsersByIds(['fx-alice', 'fx-nobody', 'fx-bob']);
    expect(users.map((u) => u.id).sort()).toEqual(['fx-alice', 'fx-bob']);
  });

  it('pages a user\'s orders newest first and follows the cursor to the end', async () => {
    const first = await h.api.orders.listOrdersByUser('fx-alice', { limit: 3 });
    expect(first.items.map((o) => o.id)).toEqual(['fx-o4', 'fx-o3', 'fx-o2']);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await h.api.orders.listOrdersByUser('fx-alice', { limit: 3, cursor: first.nextCursor });
    expect(second).toEqual({ items: [expect.objectContaining({ id: 'fx-o1' })], nextCursor: null });
  });

  it('reads orders singly and by ids, with lines and money', async () => {
    const order = await h.api.orders.getOrder('fx-o2');
    expect(order?.lines).toHaveLength(3);
    expect(order?.total).toEqual({ amountMinor: expect.any(Number), currency: 'USD' });
    expect(await h.api.orders.getOrder('fx-o-missing')).toBeNull();
    expect((await h.api.orders.getOrdersByIds(['fx-o1', 'fx-o5'])).map((o) => o.id).sort()).toEqual(['fx-o1', 'fx-o5']);
  });

  it('places an order, returns the same order for the same key and body, and a CONFLICT for another body', async () => {
    const input = { userId: 'fx-alice', lines: [{ productId: 'fx-p3', quantity: 2 }] };
    const placed = await h.api.orders.placeOrder(input, 'key-verbs-1');
    expect(placed).toMatchObject({ userId: 'fx-alice', status: 'pending', lines: [{ productId: 'fx-p3', quantity: 2 }] });
    expect((await h.api.orders.placeOrder(input, 'key-verbs-1')).id).toBe(placed.id);
    const conflict = await rejectionOf(h.api.orders.placeOrder({ ...input, lines: [{ productId: 'fx-p3', quantity: 3 }] }, 'key-verbs-1'));
    expect(conflict).toMatchObject({ code: 'CONFLICT', service: 'orders', status: 409 });
  });

  it('maps an unknown product or a zero quantity (422) to BAD_USER_INPUT', async () => {
    const unknown = await rejectionOf(h.api.orders.placeOrder({ userId: 'fx-alice', lines: [{ productId: 'fx-nope', quantity: 1 }] }, 'key-verbs-2'));
    expect(unknown).toBeInstanceOf(UpstreamError);
    expect(unknown).toMatchObject({ code: 'BAD_USER_INPUT', status: 422 });
    const zero = await rejectionOf(h.api.orders.placeOrder({ userId: 'fx-alice', lines: [{ productId: 'fx-p1', quantity: 0 }] }, 'key-verbs-3'));
    expect(zero).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('reads products singly, by ids, and as filtered pages ordered by id', async () => {
    expect((await h.api.products.getProduct('fx-p7'))?.name).toBe('Fx Gimlet');
    expect(await h.api.products.getProduct('fx-p99')).toBeNull();
    expect(await h.api.products.getProductsByIds(['fx-p2', 'fx-p1'])).toHaveLength(2);
    const tools = await h.api.products.listProducts({ categoryId: 'fx-cat-tools' }, { limit: 100 });
    expect(tools.items.every((p) => p.categoryId === 'fx-cat-tools')).toBe(true);
    expect(tools.items.map((p) => p.id)).toEqual([...tools.items.map((p) => p.id)].sort());
    expect((await h.api.products.listProducts({ q: 'aNvIl' })).items.map((p) => p.id)).toEqual(['fx-p1']);
  });

  it('reads stock rows, with no row for a product without one', async () => {
    const rows = await h.api.inventory.getStockByProductIds(['fx-p1', 'fx-p2', 'fx-p12']);
    expect(Object.fromEntries(rows.map((r) => [r.productId, r.quantity]))).toEqual({ 'fx-p1': 0, 'fx-p2': 3 });
  });

  it('reads review summaries and pages reviews newest first', async () => {
    const summaries = await h.api.reviews.getSummariesByProductIds(['fx-p1', 'fx-p3']);
    expect(summaries).toEqual(
      expect.arrayContaining([
        { productId: 'fx-p1', averageRating: 3.8, count: 5 },
        { productId: 'fx-p3', averageRating: 0, count: 0 },
      ]),
    );
    const page = await h.api.reviews.listReviews('fx-p1', { limit: 3 });
    expect(page.items.map((r) => r.id)).toEqual(['fx-r5', 'fx-r4', 'fx-r3']);
    expect(page.nextCursor).not.toBeNull();
  });

  it('reads prices for the tier asked', async () => {
    const [free] = await h.api.pricing.getPricesByProductIds(['fx-p1'], 'free');
    const [pro] = await h.api.pricing.getPricesByProductIds(['fx-p1'], 'pro');
    expect(free?.currentPrice).toEqual(free?.listPrice);
    expect(pro?.currentPrice.amountMinor).toBeLessThan(pro?.listPrice.amountMinor ?? 0);
    expect(h.upstream.requests.map((r) => r.query.get('tier'))).toEqual(['free', 'pro']);
  });

  it('lists notifications by read state, counts unread ones, and marks one read', async () => {
    expect((await h.api.notifications.listNotifications('fx-alice', { unread: true })).items.map((n) => n.id)).toEqual(['fx-n2', 'fx-n1']);
    expect((await h.api.notifications.listNotifications('fx-alice', { unread: false })).items.map((n) => n.id)).toEqual(['fx-n3']);
    expect((await h.api.notifications.listNotifications('fx-alice')).items).toHaveLength(3);
    expect(await h.api.notifications.getUnreadCount('fx-alice')).toBe(2);
    expect(await h.api.notifications.markRead('fx-n1')).toMatchObject({ id: 'fx-n1', read: true });
    expect(await h.api.notifications.getUnreadCount('fx-alice')).toBe(1);
    expect(await h.api.notifications.markRead('fx-n-missing')).toBeNull();
  });
});
