import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { gql, startTestGateway } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { tempFile } from '../helpers/temp-file.js';

/** Costs exactly 100 before and after (see rate-limit.test.ts). */
const COST_100 = `query Hundred($n: Int!) { products(first: $n) { edges { node { id } } pageInfo { hasNextPage } } }`;
/** The same price, and the same 12 products from the fixture, by another upstream URL. */
const SEARCH_100 = `query Search($n: Int!, $q: String) { products(first: $n, query: $q) { edges { node { id } } pageInfo { hasNextPage } } }`;
const SLOW = { capacity: 1_000, restorePerSecond: 0.001, dailyQuota: 1_000_000 };

describe.skipIf(redisMissing())('Budgets shared by two gateway processes on one redis-server', () => {
  let redis: TestRedis;
  let demo: DemoServices;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    [redis, demo] = await Promise.all([startRedis(), startDemoServices()]);
    const env = {
      REDIS_URL: redis.url,
      RATE_LIMITS_FILE: tempFile('limits.json', { public: { tiers: { free: SLOW, pro: SLOW } } }),
    };
    [a, b] = await Promise.all([spawnGateway(demo.urls, env), spawnGateway(demo.urls, env)]);
  }, 60_000);
  afterAll(async () => {
    expect(await Promise.all([a?.stop(), b?.stop()])).toEqual([0, 0]);
    await Promise.all([redis?.stop(), demo?.close()]);
  });

  /** Sends `count` operations of cost 100 alternately to both processes; the statuses in order. */
  async function alternate(key: string, count: number): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) {
      const r = await gql(i % 2 ? b : a, 'public', COST_100, { n: 49 }, { 'x-api-key': key });
      statuses.push(r.status);
    }
    return statuses;
  }

  const firstRefusal = (statuses: number[]) => statuses.indexOf(429);

  it('spends one budget across both processes: the 429 comes at the same total as with one process', async () => {
    const statuses = await alternate('demo-public-key-free', 12);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(firstRefusal(statuses)).toBe(10);
  });

  it('admits exactly 10 of 50 concurrent operations of cost 100 spread over both processes', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => gql(i % 2 ? b : a, 'public', COST_100, { n: 49 }, { 'x-api-key': 'demo-public-key-pro' })),
    );
    expect(responses.filter((r) => r.status === 200)).toHaveLength(10);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(40);
  });

  it('keeps serving under a local budget while Redis is down, and shares budgets again when it returns', async () => {
    // Killed under load: requests are in flight on both processes, some of them waiting on their budget's round trip.
    const wave = (count: number) => Array.from({ length: count }, (_, i) => gql(i % 2 ? b : a, 'web', '{ product(id: "p1") { id } }').then((r) => r.status, () => 0));
    const inFlight = wave(40);
    await new Promise((resolve) => setTimeout(resolve, 5));
    redis.kill();
    const afterKill = wave(40);
    // Every request is answered, admitted (a cheap one fits any budget, shared or local), none fails or hangs.
    expect(await Promise.all([...inFlight, ...afterKill])).toEqual(Array(80).fill(200));
    // Each process now decides alone, from a full local bucket: 12 alternating requests all fit.
    const during = await Promise.all([a, b].map((g) => gql(g, 'web', '{ product(id: "p1") { id } }')));
    expect(during.map((r) => r.status)).toEqual([200, 200]);
    await Promise.all([a, b].map((g) => g.waitFor(/fall back to per-process memory/)));
    const local = await alternate('demo-public-key-free', 12);
    expect(local).toEqual(Array(12).fill(200));

    await redis.restart();
    // Poke each process until it has noticed Redis is back.
    for (const g of [a, b]) {
      for (let i = 0; i < 100 && !/shared rate-limit budgets resumed/.test(g.output()); i++) {
        await gql(g, 'web', '{ product(id: "p1") { id } }');
        await new Promise((r) => setTimeout(r, 100));
      }
      await g.waitFor(/shared rate-limit budgets resumed/, 1_000);
    }
    const after = await alternate('demo-public-key-free', 12);
    expect(firstRefusal(after)).toBe(10);
  });
});

// An operation admitted from a local bucket while Redis was down, and still running when Redis came back,
// had its unspent points refunded to Redis: points the shared bucket never gave, so its consumer could
// spend more than the bucket holds.
describe.skipIf(redisMissing())('A refund after Redis came back during the operation', () => {
  let redis: TestRedis;
  let fixture: FixtureUpstream;
  let gateway: Gateway;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  let arrived!: () => void;
  const holding = new Promise<void>((resolve) => (arrived = resolve));

  beforeAll(async () => {
    redis = await startRedis();
    // Only the first catalog page is held; the ones after it are served at once.
    fixture = await startFixtureUpstream({
      onRequest: async (req) => {
        if (req.service !== 'products' || req.path === '/health' || held) return;
        held = true;
        arrived();
        await released;
      },
    });
    gateway = await startTestGateway({
      upstreams: fixture.urls,
      env: { REDIS_URL: redis.url, UPSTREAM_TIMEOUT_MS: '20000', RATE_LIMITS_FILE: tempFile('limits.json', { public: { tiers: { free: SLOW } } }) },
    });
  }, 30_000);
  afterAll(async () => {
    release();
    await gateway?.close();
    await Promise.all([fixture?.close(), redis?.stop()]);
  });

  const budgets = async () => ((await (await fetch(`${gateway.url}/readyz?verbose`)).json()) as { budgets?: string }).budgets;
  const key = { 'x-api-key': 'demo-public-key-free' };

  it('goes back to the local bucket it was taken from, not to Redis', async () => {
    await expect.poll(budgets, { timeout: 5_000 }).toBe('shared');
    redis.kill();
    expect((await gql(gateway, 'public', '{ __typename }', {}, key)).status).toBe(200);
    await expect.poll(budgets, { timeout: 5_000 }).toBe('local');
    // Priced at 100, it will cost 26 (twelve products): 74 points to refund once it is over.
    const local = gql(gateway, 'public', COST_100, { n: 49 }, key);
    await holding;
    await redis.restart();
    await expect.poll(budgets, { timeout: 10_000 }).toBe('shared');
    // Another page (a search for every product), so it is not coalesced into the held call.
    const shared = await gql(gateway, 'public', SEARCH_100, { n: 49, q: 'fx' }, key);
    expect(shared.body.extensions!['cost']).toMatchObject({ actualQueryCost: 26, throttleStatus: { currentlyAvailable: 974 } });
    release();
    expect((await local).body.extensions!['cost']).toMatchObject({ requestedQueryCost: 100, actualQueryCost: 26 });
    const after = await gql(gateway, 'public', COST_100, { n: 49 }, { ...key, 'x-cost-dry-run': 'true' });
    expect(after.body.extensions!['cost']).toMatchObject({ throttleStatus: { currentlyAvailable: 974 } });
  }, 30_000);
});
