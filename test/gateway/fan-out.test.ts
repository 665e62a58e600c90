import { afterEach, describe, expect, it } from 'vitest';
import type { ServiceName } from '../../clients/index.js';
import type { Gateway } from '../../src/gateway.js';
import { createBarrier } from '../helpers/barrier.js';
import {
  defaultFixtureData,
  fixtureDataWithOrders,
  startFixtureUpstream,
  type FixtureOptions,
  type FixtureUpstream,
} from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { CATALOG, MOBILE_DASHBOARD, ORDER_HISTORY, PRODUCT_PAGE } from '../operations/contract.js';

let upstream: FixtureUpstream | undefined;
let gateway: Gateway | undefined;

async function start(options: FixtureOptions): Promise<{ upstream: FixtureUpstream; gateway: Gateway }> {
  upstream = await startFixtureUpstream(options);
  gateway = await startTestGateway({ upstreams: upstream.urls });
  return { upstream, gateway };
}

afterEach(async () => {
  await gateway?.close();
  await upstream?.close();
  gateway = upstream = undefined;
});

function callsByService(up: FixtureUpstream): Partial<Record<ServiceName, number>> {
  const counts: Partial<Record<ServiceName, number>> = {};
  for (const r of up.requests) counts[r.service] = (counts[r.service] ?? 0) + 1;
  return counts;
}

function idsAsked(up: FixtureUpstream, service: ServiceName, param: string): string[][] {
  return up.requests.filter((r) => r.service === service && r.query.has(param)).map((r) => r.query.get(param)!.split(','));
}

describe('Fan-out through DataLoader', () => {
  it('answers OrderHistory(first: 20) with one call per service touched, however many lines the orders have', async () => {
    const { upstream: up, gateway: gw } = await start({
      data: fixtureDataWithOrders({ userId: 'fx-big', orders: 40, linesPerOrder: 5, distinctProducts: 60 }),
    });
    const { body } = await gql(gw, 'web', ORDER_HISTORY, { first: 20 }, bearer(await tokenFor('fx-big')));
    expect(body.errors).toBeUndefined();
    expect(callsByService(up)).toEqual({ users: 1, orders: 1, products: 1, inventory: 1 });
  });

  it('splits 250 distinct products into 3 batch calls of at most 100 ids, asking each id once', async () => {
    const { upstream: up, gateway: gw } = await start({
      // 100 orders × 5 lines over 250 products: every product appears twice.
      data: fixtureDataWithOrders({ userId: 'fx-big', orders: 100, linesPerOrder: 5, distinctProducts: 250 }),
    });
    const { body } = await gql<{ me: { orders: { edges: unknown[] } } }>(
      gw,
      'web',
      ORDER_HISTORY,
      { first: 100 },
      bearer(await tokenFor('fx-big')),
    );
    expect(body.errors).toBeUndefined();
    expect(body.data!.me.orders.edges).toHaveLength(100);
    for (const [service, param] of [
      ['products', 'ids'],
      ['inventory', 'productIds'],
    ] as const) {
      const batches = idsAsked(up, service, param);
      expect(batches).toHaveLength(3);
      for (const ids of batches) expect(ids.length).toBeLessThanOrEqual(100);
      const all = batches.flat();
      expect(new Set(all).size).toBe(250);
      expect(all).toHaveLength(250);
    }
  });

  it('matches batch items to ids whatever order the upstream returns them in, and nulls only an unknown one', async () => {
    const data = defaultFixtureData();
    // An order line whose product the products service does not know.
    data.orders[0]!.lines.push({ productId: 'fx-gone', quantity: 1, unitPrice: { amountMinor: 100, currency: 'USD' } });
    const { gateway: gw } = await start({ data });
    const { body } = await gql<{ me: { orders: { edges: { node: { id: string; lines: { product: { id: string } | null }[] } }[] } } }>(
      gw,
      'web',
      ORDER_HISTORY,
      { first: 10 },
      bearer(await tokenFor('fx-alice')),
    );
    expect(body.errors).toBeUndefined();
    const order = body.data!.me.orders.edges.find((e) => e.node.id === 'fx-o1')!.node;
    expect(order.lines.map((l) => l.product?.id ?? null)).toEqual(['fx-p1', 'fx-p3', null]);
  });

  it('asks the four level-one services of ProductPage in parallel, before any author lookup', async () => {
    const barrier = createBarrier(5);
    const { upstream: up, gateway: gw } = await start({
      onRequest: async (req) => {
        if (req.service !== 'users') await barrier.arrive(`${req.service} ${req.path}`);
      },
    });
    const { body } = await gql(gw, 'web', PRODUCT_PAGE, { id: 'fx-p1' });
    expect(body.errors).toBeUndefined();
    expect(barrier.metTogether).toBe(true);
    expect(barrier.arrived.map((a) => a.split(' ')[0]).sort()).toEqual(['inventory', 'pricing', 'products', 'reviews', 'reviews']);
    // Authors come after the reviews page they belong to: the only second level.
    const services = up.requests.map((r) => r.service);
    expect(services.indexOf('users')).toBeGreaterThan(4);
    expect(callsByService(up)).toEqual({ products: 1, inventory: 1, reviews: 2, pricing: 1, users: 1 });
  });

  it('asks the three services of MobileDashboard in parallel', async () => {
    const barrier = createBarrier(3);
    const { gateway: gw } = await start({ onRequest: (req) => barrier.arrive(req.service) });
    const { body } = await gql(gw, 'mobile', MOBILE_DASHBOARD, {}, bearer(await tokenFor('fx-alice')));
    expect(body.errors).toBeUndefined();
    expect(barrier.metTogether).toBe(true);
    expect([...barrier.arrived].sort()).toEqual(['notifications', 'orders', 'users']);
  });

  it("asks OrderHistory's line products and their inventory together, once the orders page is in", async () => {
    const barrier = createBarrier(2);
    const { upstream: up, gateway: gw } = await start({
      onRequest: async (req) => {
        if (req.service === 'products' || req.service === 'inventory') await barrier.arrive(req.service);
      },
    });
    const { body } = await gql(gw, 'web', ORDER_HISTORY, { first: 5 }, bearer(await tokenFor('fx-alice')));
    expect(body.errors).toBeUndefined();
    expect(barrier.metTogether).toBe(true);
    const services = up.requests.map((r) => r.service);
    expect(services.indexOf('orders')).toBeLessThan(services.indexOf('products'));
    expect(callsByService(up)).toEqual({ users: 1, orders: 1, products: 1, inventory: 1 });
  });

  it("asks a catalog page's pricing, inventory and review summaries together, one call each, after the page", async () => {
    const barrier = createBarrier(3);
    const { upstream: up, gateway: gw } = await start({
      onRequest: async (req) => {
        if (req.service !== 'products') await barrier.arrive(req.service);
      },
    });
    const { body } = await gql(gw, 'web', CATALOG, { first: 3 });
    expect(body.errors).toBeUndefined();
    expect(barrier.metTogether).toBe(true);
    expect([...barrier.arrived].sort()).toEqual(['inventory', 'pricing', 'reviews']);
    expect(callsByService(up)).toEqual({ products: 1, inventory: 1, pricing: 1, reviews: 1 });
  });

  it('asks for no service whose fields a list leaves out, or skips', async () => {
    const { upstream: up, gateway: gw } = await start({});
    const query = 'query ($skip: Boolean!) { products(first: 3) { edges { node { id ...Stock price @skip(if: $skip) { amount } } } } } fragment Stock on Product { inStock }';
    const { body } = await gql(gw, 'web', query, { skip: true });
    expect(body.errors).toBeUndefined();
    expect(callsByService(up)).toEqual({ products: 1, inventory: 1 });
    // The same document with the field kept: what it needs is asked for (the skip was not remembered as the document's).
    const kept = await gql(gw, 'web', query, { skip: false });
    expect(kept.body.errors).toBeUndefined();
    expect(callsByService(up)).toEqual({ products: 2, inventory: 2, pricing: 1 });
  });

  it('asks users and orders of OrderHistory in parallel', async () => {
    const barrier = createBarrier(2);
    const { gateway: gw } = await start({
      onRequest: async (req) => {
        if (req.service === 'users' || req.service === 'orders') await barrier.arrive(req.service);
      },
    });
    const { body } = await gql(gw, 'web', ORDER_HISTORY, { first: 5 }, bearer(await tokenFor('fx-alice')));
    expect(body.errors).toBeUndefined();
    expect(barrier.metTogether).toBe(true);
  });
});
