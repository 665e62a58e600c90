import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FallbackBudgetStore } from '../../src/cost/fallback-store.js';
import { RedisBudgetStore } from '../../src/cost/redis-store.js';
import { createLogger } from '../../src/logger.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { budgetStoreContract } from './budget-store-contract.js';

const skip = redisMissing();
let redis: TestRedis;
let store: RedisBudgetStore;

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe.skipIf(skip)('Redis budget store', () => {
  beforeAll(async () => {
    redis = await startRedis();
    store = new RedisBudgetStore({ url: redis.url });
    await until(() => store.ready);
  });
  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });

  budgetStoreContract('on redis-server (one Lua script per decision)', () => store);

  it('shares one budget between two clients (two gateway processes)', async () => {
    const other = new RedisBudgetStore({ url: redis.url });
    await until(() => other.ready);
    const policy = { capacity: 1_000, restorePerSecond: 0.001 };
    const decisions = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? store : other).take('shared:consumer', 100, policy)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    await other.close();
  });

  it('falls back to a local budget while Redis is down, without hanging, and resumes when it returns', async () => {
    const fallback = new FallbackBudgetStore(new RedisBudgetStore({ url: redis.url }), createLogger('silent'));
    await until(() => fallback.sharedReady);
    const policy = { capacity: 300, restorePerSecond: 0.001 };
    expect(await fallback.take('outage:consumer', 100, policy)).toMatchObject({ allowed: true, remaining: 200 });

    redis.kill();
    await until(() => !fallback.sharedReady);
    // The local budget has the same limits: 3 × 100 fit, the 4th does not.
    const local = await Promise.all(Array.from({ length: 4 }, () => fallback.take('outage:consumer', 100, policy)));
    expect(local.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(fallback.fallbacks).toBeGreaterThanOrEqual(4);

    await redis.restart();
    await until(() => fallback.sharedReady);
    // A fresh Redis knows nothing: the shared bucket is full again and used again.
    expect(await fallback.take('outage:consumer', 100, policy)).toMatchObject({ allowed: true, remaining: 200 });
    await until(() => store.ready);
    expect(await store.peek('outage:consumer', policy)).toMatchObject({ remaining: 200 });
    await fallback.close();
  });
});
