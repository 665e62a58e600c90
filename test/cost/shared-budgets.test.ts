import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { gql } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { tempFile } from '../helpers/temp-file.js';

/** Costs exactly 100 before and after (see rate-limit.test.ts). */
const COST_100 = `query Hundred($n: Int!) { products(first: $n) { edges { node { id } } pageInfo { hasNextPage } } }`;
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
