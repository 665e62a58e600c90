import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../clients/cache.js';
import { sharedCacheTtlMs } from '../../clients/cache-policy.js';
import type { CacheEvent } from '../../clients/cached-http.js';
import type { ServiceClients, ServiceName } from '../../clients/index.js';
import type { FixtureRequest } from '../helpers/fixture-upstream.js';
import { META, type Harness, rejectionOf, startHarness } from './harness.js';

const PUBLIC = { 'cache-control': 'public, max-age=30' };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Serves each request's normal data, but with `headers` (the fixture sends no Cache-Control of its own). */
function answerWith(headers: Record<string, string>) {
  return (req: FixtureRequest) => {
    const data = h!.upstream.data;
    const ids = (req.query.get('ids') ?? req.query.get('productIds') ?? '').split(',');
    const pick = <T>(all: T[], id: (t: T) => string) => all.filter((x) => ids.includes(id(x)));
    const bodies: Record<string, unknown> = {
      products: { items: pick(data.products, (p) => p.id) },
      inventory: { items: pick(data.stock, (s) => s.productId) },
      users: req.path === '/users' ? { items: pick(data.users, (u) => u.id) } : data.users.find((u) => req.path === `/users/${u.id}`),
      orders: { items: pick(data.orders, (o) => o.id) },
      // The unread count: the only notifications read these tests make.
      notifications: { count: data.notifications.filter((n) => n.userId === req.query.get('userId') && !n.read).length },
      pricing: {
        items: pick(data.prices, (p) => p.productId).map((p) => ({ productId: p.productId, listPrice: p.listPrice, currentPrice: p.current[req.query.get('tier') as 'free'] })),
      },
    };
    if (req.path === '/health' || !(req.service in bodies)) return undefined;
    return { status: 200, body: JSON.stringify(bodies[req.service]), headers };
  };
}

/** Reads of the services whose answers belong to one consumer (users, orders, notifications). */
const CONSUMER_SPECIFIC_READS: [string, ServiceName, (api: ServiceClients) => Promise<unknown>][] = [
  ['users by ids', 'users', (api) => api.users.getUsersByIds(['fx-alice'])],
  ['a user', 'users', (api) => api.users.getUser('fx-alice')],
  ['orders by ids', 'orders', (api) => api.orders.getOrdersByIds(['fx-o1'])],
  ['an unread count', 'notifications', (api) => api.notifications.getUnreadCount('fx-alice')],
];

describe('Upstream response cache', () => {
  it('serves a repeated GET of a shared service from the cache while its max-age lasts', async () => {
    h = await startHarness();
    h.hook(answerWith(PUBLIC));
    const first = await h.api.products.getProductsByIds(['fx-p1']);
    const second = await h.api.products.getProductsByIds(['fx-p1']);
    expect(second).toEqual(first);
    expect(h.upstream.requests).toHaveLength(1);
    // A hit is no upstream call: nothing reported to the call observer.
    expect(h.events).toHaveLength(1);
  });

  it('keeps the validated value in memory: a hit is the same frozen objects, not a new parse', async () => {
    h = await startHarness();
    h.hook(answerWith(PUBLIC));
    const [first] = await h.api.products.getProductsByIds(['fx-p1']);
    const [second] = await h.api.products.getProductsByIds(['fx-p1']);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first!.tags)).toBe(true);
    expect(() => {
      (first as { name: string }).name = 'changed by one request';
    }).toThrow(TypeError);
    const [third] = await h.api.products.getProductsByIds(['fx-p1']);
    expect(third!.name).toBe(h.upstream.data.products.find((p) => p.id === 'fx-p1')!.name);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('hands every caller of a coalesced call the same frozen value, uncached ones too', async () => {
    h = await startHarness();
    h.hook(() => sleep(50).then(() => undefined));
    const [a, b] = await Promise.all([h.api.products.getProduct('fx-p1'), h.api.products.getProduct('fx-p1')]);
    expect(h.upstream.requests).toHaveLength(1);
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('keys entries by the full URL: other ids or another price tier are other entries', async () => {
    h = await startHarness();
    h.hook(answerWith(PUBLIC));
    await h.api.products.getProductsByIds(['fx-p1']);
    await h.api.products.getProductsByIds(['fx-p2']);
    const free = await h.api.pricing.getPricesByProductIds(['fx-p1'], 'free');
    const pro = await h.api.pricing.getPricesByProductIds(['fx-p1'], 'pro');
    expect(free[0]!.currentPrice).not.toEqual(pro[0]!.currentPrice);
    await h.api.pricing.getPricesByProductIds(['fx-p1'], 'pro');
    expect(h.upstream.requests.map((r) => r.rawUrl)).toEqual([
      '/products?ids=fx-p1',
      '/products?ids=fx-p2',
      '/prices?productIds=fx-p1&tier=free',
      '/prices?productIds=fx-p1&tier=pro',
    ]);
  });

  it.each([
    ['private', 'private, max-age=30'],
    ['no-store', 'public, max-age=30, no-store'],
    ['no-cache', 'max-age=30, no-cache'],
    ['no lifetime', 'public'],
    ['max-age=0', 'public, max-age=0'],
  ])('never stores a response marked %s', async (_, cacheControl) => {
    h = await startHarness();
    h.hook(answerWith({ 'cache-control': cacheControl }));
    await h.api.products.getProductsByIds(['fx-p1']);
    await h.api.products.getProductsByIds(['fx-p1']);
    expect(h.upstream.requests).toHaveLength(2);
  });

  it.each(CONSUMER_SPECIFIC_READS)('never caches %s, consumer-specific, even when its service says public', async (_, service, read) => {
    h = await startHarness();
    h.hook(answerWith(PUBLIC));
    await read(h.api);
    await read(h.api);
    expect(h.upstream.requests.map((r) => r.service)).toEqual([service, service]);
  });

  it('asks again once max-age has passed', async () => {
    h = await startHarness();
    h.hook(answerWith({ 'cache-control': 'public, max-age=1' }));
    await h.api.inventory.getStockByProductIds(['fx-p1']);
    await h.api.inventory.getStockByProductIds(['fx-p1']);
    expect(h.upstream.requests).toHaveLength(1);
    await sleep(1_100);
    await h.api.inventory.getStockByProductIds(['fx-p1']);
    expect(h.upstream.requests).toHaveLength(2);
  });

  it('does not store error responses or malformed bodies', async () => {
    h = await startHarness();
    h.hook(() => ({ status: 200, body: '{"items":"nope"}', headers: PUBLIC }));
    await rejectionOf(h.api.products.getProductsByIds(['fx-p1']));
    h.hook(() => ({ status: 503, body: '{}', headers: PUBLIC }));
    await rejectionOf(h.api.products.getProductsByIds(['fx-p1']));
    h.hook(answerWith(PUBLIC));
    expect(await h.api.products.getProductsByIds(['fx-p1'])).toHaveLength(1);
  });

  it('reports hits and misses to the cache observer', async () => {
    const seen: CacheEvent[] = [];
    h = await startHarness({ onCache: (e) => seen.push(e) });
    h.hook(answerWith(PUBLIC));
    await h.api.products.getProductsByIds(['fx-p1']);
    await h.api.products.getProductsByIds(['fx-p1']);
    await h.api.users.getUsersByIds(['fx-alice']);
    expect(seen).toEqual([
      { service: 'products', route: '/products?ids', result: 'miss' },
      { service: 'products', route: '/products?ids', result: 'hit' },
    ]);
  });

  it('keeps the memory cache within its byte budget: large cacheable answers evict the oldest, one over the budget is not kept', async () => {
    // A service may mark any answer cacheable, and clients pick the URLs (product ids): counted in entries alone,
    // 10,000 answers of up to 8 MiB each would be kept for minutes.
    const cache = createMemoryCache(10_000, 100_000);
    h = await startHarness({ cache });
    const padding = 'x'.repeat(30_000);
    h.hook((req) => {
      if (req.service !== 'products') return undefined;
      const id = decodeURIComponent(req.path.slice('/products/'.length));
      const product = { id, name: id, description: id === 'huge' ? padding.repeat(4) : padding, categoryId: 'c', imageUrl: 'i', thumbnailUrl: 't', tags: [] };
      return { status: 200, body: JSON.stringify(product), headers: PUBLIC };
    });
    for (const id of ['a', 'b', 'c', 'd', 'e']) await h.api.products.getProduct(id);
    const calls = () => h!.upstream.requests.length;
    expect(calls()).toBe(5);
    // About 30 KB each in a 100 KB budget: the newest three are kept, the oldest were evicted.
    await h.api.products.getProduct('e');
    expect(calls()).toBe(5);
    await h.api.products.getProduct('a');
    expect(calls()).toBe(6);
    // 120 KB alone: never stored, and it does not flush what is kept.
    await h.api.products.getProduct('huge');
    await h.api.products.getProduct('huge');
    expect(calls()).toBe(8);
    await h.api.products.getProduct('a');
    expect(calls()).toBe(8);
  });

  it('keeps the keyv listener count flat over 1,000 cached requests, with no MaxListeners warning', async () => {
    const cache = createMemoryCache();
    h = await startHarness({ cache });
    h.hook(answerWith(PUBLIC));
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await h.api.products.getProductsByIds(['fx-p1']);
      const before = cache.listenerCount();
      for (let i = 0; i < 1_000; i++) await h.api.products.getProductsByIds(['fx-p1']);
      // Concurrent ones too: coalesced or cached, they must not add listeners either.
      await Promise.all(Array.from({ length: 200 }, () => h!.api.products.getProductsByIds(['fx-p1'])));
      expect(cache.listenerCount()).toBe(before);
      expect(h.upstream.requests).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('Coalescing identical GETs in flight', () => {
  it('sends one upstream call for identical concurrent GETs of a shared service and gives each caller its own copy', async () => {
    h = await startHarness();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    h.hook(async () => {
      await held;
    });
    const pending = Array.from({ length: 5 }, (_, i) =>
      h!.clients.forRequest({ ...META, correlationId: `c-${i}` }).products.getProductsByIds(['fx-p1']),
    );
    await sleep(50);
    release();
    const results = await Promise.all(pending);
    expect(h.upstream.requests).toHaveLength(1);
    for (const result of results) expect(result).toEqual(results[0]);
    expect(results[0]).not.toBe(results[1]);
  });

  it('gives every waiting caller the leader’s failure', async () => {
    h = await startHarness();
    h.hook(async () => {
      await sleep(50);
      return { status: 500 };
    });
    const errors = await Promise.all(Array.from({ length: 3 }, () => rejectionOf(h!.api.inventory.getStockByProductIds(['fx-p1']))));
    expect(errors).toEqual(Array(3).fill(expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', service: 'inventory' })));
    expect(h.upstream.requests).toHaveLength(1);
  });

  it.each(CONSUMER_SPECIFIC_READS)('never coalesces GETs of %s, consumer-specific', async (_, service, read) => {
    h = await startHarness();
    h.hook(() => sleep(50).then(() => undefined));
    await Promise.all(Array.from({ length: 3 }, () => read(h!.api)));
    expect(h.upstream.requests.map((r) => r.service)).toEqual([service, service, service]);
  });
});

describe('Cache-Control for a shared cache (RFC 9111)', () => {
  it.each([
    [{ 'cache-control': 'public, max-age=30' }, 30_000],
    [{ 'cache-control': 'max-age=30, s-maxage=10' }, 10_000],
    [{ 'cache-control': 'public, max-age=30', age: '25' }, 5_000],
    [{ 'cache-control': 'public, max-age=30', age: '40' }, 0],
    [{ 'cache-control': 'public, max-age=86400' }, 300_000],
    [{ 'cache-control': 'public, max-age=30', vary: 'Accept-Encoding' }, 30_000],
    [{ 'cache-control': 'public, max-age=30', vary: 'X-Consumer-ID' }, 0],
    [{ 'cache-control': 'public, max-age=30', vary: '*' }, 0],
    [{ 'cache-control': 'Private, Max-Age=30' }, 0],
    [{}, 0],
  ])('%j → %i ms', (headers, ttl) => {
    expect(sharedCacheTtlMs(headers)).toBe(ttl);
  });
});
