import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { createClient } from '@keyv/redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisCache, REDIS_CACHE_NAMESPACE } from '../../clients/redis-cache.js';
import { STALL_PAUSE_MS, type ResponseCache } from '../../clients/cache.js';
import { type Harness, startHarness } from './harness.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';

const PUBLIC = { 'cache-control': 'public, max-age=30' };

/** Answers every products batch read with its items and a public Cache-Control. */
function publicProducts(h: () => Harness) {
  return () => {
    const items = h().upstream.data.products.slice(0, 1);
    return { status: 200, body: JSON.stringify({ items }), headers: PUBLIC };
  };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(redisMissing())('Upstream response cache in Redis', () => {
  let redis: TestRedis;
  const open: Harness[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((h) => h.close()));
  });
  afterAll(async () => {
    await redis.stop();
  });

  async function harness(cache: ResponseCache): Promise<Harness> {
    const h = await startHarness({ cache });
    open.push(h);
    return h;
  }

  /**
   * The bound on each cache read for the tests that count upstream calls: on a machine busy with other tests a read
   * can take longer than the default 250 ms, and the cache then misses by design (tested below with a stalled Redis).
   */
  const LOADED_MACHINE_MS = 10_000;

  async function waitReady(cache: ResponseCache): Promise<void> {
    await expect.poll(() => cache.ready(), { timeout: 5_000 }).toBe(true);
  }

  /** Two gateways' clients on one Redis, over one fixture upstream whose products are public (cacheable). */
  async function twoGatewaysOnOneRedis(): Promise<{ a: Harness; b: Harness; cacheA: ResponseCache }> {
    const cacheA = createRedisCache({ url: redis.url, opTimeoutMs: LOADED_MACHINE_MS });
    const cacheB = createRedisCache({ url: redis.url, opTimeoutMs: LOADED_MACHINE_MS });
    const a = await harness(cacheA);
    // The second gateway's clients call the same upstream URLs (so the same keys) through their own connection.
    const b = await startHarness({ cache: cacheB, urls: a.upstream.urls });
    open.push(b);
    await waitReady(cacheA);
    await waitReady(cacheB);
    a.hook(publicProducts(() => a));
    return { a, b, cacheA };
  }

  it('shares entries between two gateways on one Redis, under one un-doubled prefix with the response’s TTL', async () => {
    const { a, b } = await twoGatewaysOnOneRedis();
    await a.api.products.getProductsByIds(['fx-p1']);
    const key = `${REDIS_CACHE_NAMESPACE}::GET ${a.upstream.urls.products}/products?ids=fx-p1`;
    const inspector = createClient({ url: redis.url });
    await inspector.connect();
    try {
      // The write is not awaited by the call: give it a moment.
      await expect.poll(() => inspector.keys('*'), { timeout: 2_000 }).toEqual([key]);
      const ttl = await inspector.pTTL(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
    } finally {
      inspector.destroy();
    }
    expect(await b.api.products.getProductsByIds(['fx-p1'])).toHaveLength(1);
    expect(a.upstream.requests).toHaveLength(1);
  });

  // keyv stored each entry with an expiry time read from the writer's clock and, on a read, deleted any
  // entry whose time had passed by the reader's clock: a replica whose clock ran behind (or ahead of the
  // others) made the entries it wrote (or read) misses on every other replica, and deleted them for all.
  it('serves an entry another gateway wrote while its clock ran a minute behind, for the TTL Redis keeps', async () => {
    const { a, b, cacheA } = await twoGatewaysOnOneRedis();
    const key = `GET ${a.upstream.urls.products}/products?ids=fx-p1`;
    const realNow = Date.now.bind(Date);
    const behind = vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 60_000);
    try {
      await a.api.products.getProductsByIds(['fx-p1']);
      await expect.poll(async () => (await cacheA.get(key)) !== undefined, { timeout: 2_000 }).toBe(true);
    } finally {
      behind.mockRestore();
    }
    expect(await b.api.products.getProductsByIds(['fx-p1'])).toHaveLength(1);
    expect(await b.api.products.getProductsByIds(['fx-p1'])).toHaveLength(1);
    expect(a.upstream.requests).toHaveLength(1);
    const inspector = createClient({ url: redis.url });
    await inspector.connect();
    try {
      expect(await inspector.pTTL(`${REDIS_CACHE_NAMESPACE}::${key}`)).toBeGreaterThan(0);
    } finally {
      inspector.destroy();
    }
  });

  it('serves misses, not errors or hangs, while Redis is down, and caches again once it is back', async () => {
    const cache = createRedisCache({ url: redis.url, opTimeoutMs: 250 });
    const h = await harness(cache);
    await waitReady(cache);
    h.hook(publicProducts(() => h));
    redis.kill();
    await expect.poll(() => cache.ready(), { timeout: 3_000 }).toBe(false);
    const started = performance.now();
    for (let i = 0; i < 20; i++) expect(await h.api.products.getProductsByIds(['fx-p1'])).toHaveLength(1);
    expect(h.upstream.requests).toHaveLength(20);
    // Twenty calls, each bounded by the 250 ms cache timeout at worst; typically instant misses.
    expect(performance.now() - started).toBeLessThan(20 * 250 + 1_500);
    await redis.restart();
    await waitReady(cache);
    h.reset();
    h.hook(publicProducts(() => h));
    await h.api.products.getProductsByIds(['fx-p1']);
    // Upstream requests one more read makes: 0 once the entry written above is in Redis.
    const requestsOfOneRead = async () => {
      const before = h.upstream.requests.length;
      await h.api.products.getProductsByIds(['fx-p1']);
      return h.upstream.requests.length - before;
    };
    await expect.poll(requestsOfOneRead, { timeout: 2_000 }).toBe(0);
  });

  // A connected Redis that does not answer (CLIENT PAUSE here, a stall in production) made every
  // lookup wait its whole 250 ms bound, one after another down a request's fan-out, and said nothing.
  it('stops asking a stalled Redis after one lookup timed out, says so once, and resumes after it answers', async () => {
    const errors: string[] = [];
    const cache = createRedisCache({ url: redis.url, opTimeoutMs: 250, onError: (error) => errors.push(String(error)) });
    open.push({ close: () => cache.close() } as Harness);
    await waitReady(cache);
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await admin.configResetStat();
      await admin.sendCommand(['CLIENT', 'PAUSE', '1000', 'ALL']);
      expect(await cache.get('stalled:first')).toBeUndefined();
      for (let i = 0; i < 10; i++) expect(await cache.get(`stalled:${i}`)).toBeUndefined();
      // Queued behind the pause: answers once it is over. Redis has run only the first lookup's GET.
      await admin.ping();
      expect(await admin.info('commandstats')).toMatch(/cmdstat_get:calls=1,/);
      expect(errors).toEqual([expect.stringMatching(/no answer from the cache store within 250 ms/)]);
      // After the pause, lookups made together: one of them tries Redis, the others miss without asking it.
      await new Promise((resolve) => setTimeout(resolve, STALL_PAUSE_MS));
      await admin.configResetStat();
      await Promise.all(Array.from({ length: 10 }, (_, i) => cache.get(`together:${i}`)));
      expect(await admin.info('commandstats')).toMatch(/cmdstat_get:calls=1,/);
      // Once Redis has answered in time, the cache works as before.
      await expect
        .poll(
          async () => {
            await cache.set('resumed', 'yes', 10_000);
            return cache.get('resumed');
          },
          { timeout: 5_000 },
        )
        .toBe('yes');
    } finally {
      admin.destroy();
    }
  });

  it('keeps listener counts flat over 1,000 requests served from Redis', async () => {
    const cache = createRedisCache({ url: redis.url, opTimeoutMs: LOADED_MACHINE_MS });
    const h = await harness(cache);
    await waitReady(cache);
    h.hook(publicProducts(() => h));
    await h.api.products.getProductsByIds(['fx-p1']);
    await expect.poll(async () => (await cache.get(`GET ${h.upstream.urls.products}/products?ids=fx-p1`)) !== undefined).toBe(true);
    const before = cache.listenerCount();
    expect(before).toBeGreaterThan(0);
    for (let i = 0; i < 1_000; i++) await h.api.products.getProductsByIds(['fx-p1']);
    expect(cache.listenerCount()).toBe(before);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('starts and answers with no Redis listening at all', async () => {
    const cache = createRedisCache({ url: `redis://127.0.0.1:${await closedPort()}`, connectTimeoutMs: 200 });
    const h = await harness(cache);
    h.hook(publicProducts(() => h));
    expect(await cache.ready()).toBe(false);
    expect(await h.api.products.getProductsByIds(['fx-p1'])).toHaveLength(1);
    expect(await h.api.products.getProductsByIds(['fx-p1'])).toHaveLength(1);
    expect(h.upstream.requests).toHaveLength(2);
  });
});
