import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Order } from '../../clients/orders/types.js';
import type { Page, Tier } from '../../clients/types.js';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { expectError, post, request } from './helpers.js';

describe('Demo orders service', () => {
  let services: DemoServices;
  beforeAll(async () => {
    services = await startDemoServices();
  });
  afterAll(() => services.close());

  const place = (body: unknown, key?: string) =>
    post<Order>(`${services.urls.orders}/orders`, body, key === undefined ? {} : { 'idempotency-key': key });
  const priceFor = (productId: string, tier: Tier): number =>
    services.data.prices.find((point) => point.productId === productId)?.currentPrice[tier].amountMinor ?? NaN;

  describe('reads', () => {
    it('answers GET /orders/{id} with the order', async () => {
      const response = await request<Order>(`${services.urls.orders}/orders/o1`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(services.data.orders[0]);
    });

    it('answers an unknown order with 404 and the error body', async () => {
      expectError(await request(`${services.urls.orders}/orders/o0`), 404, 'NOT_FOUND');
    });

    it('answers GET /orders?ids= with { items }', async () => {
      const response = await request<{ items: Order[] }>(`${services.urls.orders}/orders?ids=o2,o1`);
      expect(response.body.items.map((order) => order.id)).toEqual(['o1', 'o2']);
    });

    it('answers GET /orders?userId= with the user’s orders, newest first', async () => {
      const response = await request<Page<Order>>(`${services.urls.orders}/orders?userId=u2`);
      expect(response.body.items.map((order) => order.userId)).toEqual(['u2', 'u2']);
      const [newer, older] = response.body.items;
      expect((newer?.createdAt ?? '') > (older?.createdAt ?? '')).toBe(true);
    });

    it('requires userId or ids', async () => {
      expectError(await request(`${services.urls.orders}/orders`), 400, 'BAD_REQUEST');
    });
  });

  describe('POST /orders', () => {
    it('places a pending order priced at the user’s tier today, totalled by the service', async () => {
      const before = Date.now();
      const response = await place({ userId: 'u1', lines: [{ productId: 'p1', quantity: 2 }, { productId: 'p5', quantity: 1 }] }, 'place-1');
      expect(response.status).toBe(201);
      const order = response.body;
      expect(order).toMatchObject({ userId: 'u1', status: 'pending' });
      expect(order.id).toMatch(/^o\d+$/);
      expect(Date.parse(order.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
      expect(order.lines).toEqual([
        { productId: 'p1', quantity: 2, unitPrice: { amountMinor: priceFor('p1', 'pro'), currency: 'USD' } },
        { productId: 'p5', quantity: 1, unitPrice: { amountMinor: priceFor('p5', 'pro'), currency: 'USD' } },
      ]);
      expect(order.total).toEqual({ amountMinor: 2 * priceFor('p1', 'pro') + priceFor('p5', 'pro'), currency: 'USD' });
    });

    it('prices the same product differently for each tier', async () => {
      const totals = new Map<Tier, number>();
      for (const [userId, tier] of [['u2', 'free'], ['u1', 'pro'], ['u3', 'enterprise']] as const) {
        const response = await place({ userId, lines: [{ productId: 'p1', quantity: 1 }] }, `tier-${userId}`);
        expect(response.status).toBe(201);
        expect(response.body.total.amountMinor).toBe(priceFor('p1', tier));
        totals.set(tier, response.body.total.amountMinor);
      }
      expect(new Set(totals.values()).size).toBe(3);
    });

    it('makes a new order readable by id and first in the user’s list', async () => {
      const { body: order } = await place({ userId: 'u2', lines: [{ productId: 'p7', quantity: 1 }] }, 'visible-1');
      expect((await request<Order>(`${services.urls.orders}/orders/${order.id}`)).body).toEqual(order);
      const list = await request<Page<Order>>(`${services.urls.orders}/orders?userId=u2&limit=1`);
      expect(list.body.items[0]?.id).toBe(order.id);
    });

    it('returns the same order for the same key and body, without placing another', async () => {
      const body = { userId: 'u5', lines: [{ productId: 'p9', quantity: 3 }] };
      const first = await place(body, 'replay-1');
      const count = services.data.orders.length;
      const again = await place({ lines: [{ quantity: 3, productId: 'p9' }], userId: 'u5' }, 'replay-1');
      expect(first.status).toBe(201);
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      expect(services.data.orders.length).toBe(count);
    });

    it('answers 409 when a key is reused with a different body', async () => {
      await place({ userId: 'u5', lines: [{ productId: 'p9', quantity: 1 }] }, 'conflict-1');
      expectError(await place({ userId: 'u5', lines: [{ productId: 'p9', quantity: 2 }] }, 'conflict-1'), 409, 'CONFLICT');
    });

    it('requires an Idempotency-Key header', async () => {
      expectError(await place({ userId: 'u1', lines: [{ productId: 'p1', quantity: 1 }] }), 400, 'BAD_REQUEST');
    });

    it.each([
      ['an unknown product', { userId: 'u1', lines: [{ productId: 'p999999', quantity: 1 }] }],
      ['an unknown user', { userId: 'u999', lines: [{ productId: 'p1', quantity: 1 }] }],
      ['quantity 0', { userId: 'u1', lines: [{ productId: 'p1', quantity: 0 }] }],
      ['a negative quantity', { userId: 'u1', lines: [{ productId: 'p1', quantity: -2 }] }],
      ['a fractional quantity', { userId: 'u1', lines: [{ productId: 'p1', quantity: 1.5 }] }],
      ['a quantity as a string', { userId: 'u1', lines: [{ productId: 'p1', quantity: '2' }] }],
      ['empty lines', { userId: 'u1', lines: [] }],
      ['no lines', { userId: 'u1' }],
      ['a JSON array', [{ userId: 'u1' }]],
    ])('rejects %s with 422', async (_, body) => {
      expectError(await place(body, `invalid-${JSON.stringify(body)}`), 422, 'UNPROCESSABLE_ENTITY');
    });

    it('does not spend a key on a rejected body', async () => {
      expectError(await place({ userId: 'u1', lines: [{ productId: 'p1', quantity: 0 }] }, 'retry-1'), 422, 'UNPROCESSABLE_ENTITY');
      expect((await place({ userId: 'u1', lines: [{ productId: 'p1', quantity: 1 }] }, 'retry-1')).status).toBe(201);
    });
  });
});
