import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceName } from '../../clients/index.js';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import type { Gateway } from '../../src/gateway.js';
import { bearer, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { ORDER_HISTORY, PRODUCT_PAGE } from '../operations/contract.js';

/** Requests each demo service received since `before`. */
function callsSince(demo: DemoServices, before: Record<ServiceName, { total: number }>): Partial<Record<ServiceName, number>> {
  const now = demo.stats();
  const delta: Partial<Record<ServiceName, number>> = {};
  for (const [service, stats] of Object.entries(now) as [ServiceName, { total: number }][]) {
    const n = stats.total - before[service].total;
    if (n > 0) delta[service] = n;
  }
  return delta;
}

describe('Upstream caching through the gateway (demo services: catalog public, user data private)', () => {
  let demo: DemoServices;
  let gateway: Gateway;
  beforeAll(async () => {
    demo = await startDemoServices();
    gateway = await startTestGateway({ upstreams: demo.urls });
  });
  afterAll(async () => {
    await gateway.close();
    await demo.close();
  });

  it('answers a repeated ProductPage from the cache except for the review authors (users are private)', async () => {
    const first = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'p1' });
    expect(first.body.errors).toBeUndefined();
    const before = demo.stats();
    const second = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'p1' });
    expect(second.body.data).toEqual(first.body.data);
    expect(callsSince(demo, before)).toEqual({ users: 1 });
  });

  it('never caches order history: the same user asking twice reaches the orders service twice', async () => {
    const auth = bearer(await tokenFor('u1', { tier: 'pro' }));
    await gql(gateway, 'web', ORDER_HISTORY, { first: 5 }, auth);
    const before = demo.stats();
    const { body } = await gql(gateway, 'web', ORDER_HISTORY, { first: 5 }, auth);
    expect(body.errors).toBeUndefined();
    expect(callsSince(demo, before)).toMatchObject({ users: 1, orders: 1 });
  });

  it('keeps prices per tier apart: a pro viewer after a free one gets pro prices from the pricing service', async () => {
    const query = 'query Price($id: ID!) { product(id: $id) { price { amount } } }';
    const free = await gql<{ product: { price: { amount: string } } }>(gateway, 'web', query, { id: 'p7' });
    const before = demo.stats();
    const pro = await gql<{ product: { price: { amount: string } } }>(gateway, 'web', query, { id: 'p7' }, bearer(await tokenFor('u1', { tier: 'pro' })));
    expect(callsSince(demo, before)).toEqual({ pricing: 1 });
    expect(pro.body.data!.product.price.amount).not.toBe(free.body.data!.product.price.amount);
  });
});

describe.skipIf(redisMissing())('Upstream caching in Redis across gateways', () => {
  let demo: DemoServices;
  let redis: TestRedis;
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    [demo, redis] = await Promise.all([startDemoServices(), startRedis()]);
    [a, b] = await Promise.all([0, 1].map(() => startTestGateway({ upstreams: demo.urls, env: { REDIS_URL: redis.url } })));
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await Promise.all([demo.close(), redis.stop()]);
  });

  const readyz = async (g: Gateway) => {
    const response = await fetch(`${g.url}/readyz?verbose`);
    const body = (await response.json()) as { redis?: string; budgets?: string };
    return { status: response.status, redis: body.redis, budgets: body.budgets };
  };

  it('lets a second gateway answer from what the first one cached', async () => {
    await expect.poll(async () => (await readyz(a)).redis, { timeout: 5_000 }).toBe('up');
    await expect.poll(async () => (await readyz(b)).redis, { timeout: 5_000 }).toBe('up');
    await gql(a, 'web', PRODUCT_PAGE, { id: 'p2' });
    // The first gateway's writes are not awaited by its response.
    await new Promise((r) => setTimeout(r, 100));
    const before = demo.stats();
    const { body } = await gql(b, 'web', PRODUCT_PAGE, { id: 'p2' });
    expect(body.errors).toBeUndefined();
    expect(callsSince(demo, before)).toEqual({ users: 1 });
  });

  it('stays ready while Redis is down (shown down in the verbose status), answers every query in full, and sees Redis back', async () => {
    redis.kill();
    // Budgets go local at the first decision Redis cannot take (the query below).
    await expect.poll(async () => (await readyz(a)).redis, { timeout: 5_000 }).toBe('down');
    await expect.poll(async () => (await fetch(`${a.url}/metrics`)).text(), { timeout: 5_000 }).toMatch(/^bff_redis_up 0$/m);
    const { status, body } = await gql(a, 'web', PRODUCT_PAGE, { id: 'p3' });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(await readyz(a)).toEqual({ status: 200, redis: 'down', budgets: 'local' });
    await redis.restart();
    await expect.poll(() => readyz(a), { timeout: 10_000 }).toEqual({ status: 200, redis: 'up', budgets: 'shared' });
    await expect.poll(async () => (await fetch(`${a.url}/metrics`)).text(), { timeout: 5_000 }).toMatch(/^bff_redis_up 1$/m);
  });
});
