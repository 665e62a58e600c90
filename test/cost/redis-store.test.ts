import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FallbackBudgetStore } from '../../src/cost/fallback-store.js';
import { RedisBudgetStore } from '../../src/cost/redis-store.js';
import { createLogger } from '../../src/logger.js';
import { pingRedis, redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { budgetStoreContract } from './budget-store-contract.js';

const skip = redisMissing();

/** A budget store that counts the consumers' decisions sent to Redis (not the fallback's background probes). */
class CountingRedisStore extends RedisBudgetStore {
  sent = 0;
  override take(...args: Parameters<RedisBudgetStore['take']>) {
    if (args[0] !== 'gateway:probe') this.sent += 1;
    return super.take(...args);
  }
  override peek(...args: Parameters<RedisBudgetStore['peek']>) {
    this.sent += 1;
    return super.peek(...args);
  }
}

/** A logger whose lines the test reads. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = createLogger('info', new Writable({ write(chunk, _encoding, done) { lines.push(...String(chunk).trim().split('\n')); done(); } }));
  const count = (pattern: RegExp) => lines.filter((line) => pattern.test(line)).length;
  return { logger, count };
}
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
    // Connected again, and a background write went through: decisions are shared again.
    await until(() => fallback.usingShared);
    // A fresh Redis knows nothing: the shared bucket is full again and used again.
    expect(await fallback.take('outage:consumer', 100, policy)).toMatchObject({ allowed: true, remaining: 200 });
    await until(() => store.ready);
    expect(await store.peek('outage:consumer', policy)).toMatchObject({ remaining: 200 });
    await fallback.close();
  });

  // A refund went wherever decisions went at the time it was made: an operation admitted from a local
  // bucket during an outage and refunded after Redis came back gave Redis points it never took (and one
  // admitted by Redis and refunded during an outage gave them to a local bucket that never paid them).
  it('gives unspent points back to the bucket they were taken from when Redis goes or comes back in between', async () => {
    const fallback = new FallbackBudgetStore(new RedisBudgetStore({ url: redis.url }), createLogger('silent'));
    await until(() => fallback.usingShared);
    const policy = { capacity: 1_000, restorePerSecond: 0.001 };
    try {
      const fromRedis = await fallback.take('switch:consumer', 600, policy);
      expect(fromRedis).toMatchObject({ allowed: true, remaining: 400 });
      redis.kill();
      await until(() => !fallback.sharedReady);
      expect(await fallback.take('switch:consumer', 300, policy)).toMatchObject({ allowed: true, remaining: 700 });
      // Redis is down: the 500 points it reserved cannot go back to it, and the local bucket never paid them.
      await fallback.refund('switch:consumer', 500, policy, fromRedis);
      expect(await fallback.peek('switch:consumer', policy)).toMatchObject({ remaining: 700 });

      const fromLocal = await fallback.take('switch:consumer', 200, policy);
      expect(fromLocal).toMatchObject({ allowed: true, remaining: 500 });
      await redis.restart();
      await until(() => fallback.usingShared);
      expect(await fallback.take('switch:consumer', 600, policy)).toMatchObject({ allowed: true, remaining: 400 });
      // Back on Redis: the 150 points the local bucket reserved go back to it, not to Redis.
      await fallback.refund('switch:consumer', 150, policy, fromLocal);
      expect(await fallback.peek('switch:consumer', policy)).toMatchObject({ remaining: 400 });
    } finally {
      await fallback.close();
      if (!(await pingRedis(redis.port))) await redis.restart();
      await until(() => store.ready);
    }
  });

  // A connected Redis that does not answer (a stall: CLIENT PAUSE here) held every decision for the
  // whole deadline; requests piled up against the in-flight limit, and every replica shed load and
  // answered /readyz 503. Once one decision has failed, the others must not wait on Redis at all.
  it('stops asking a stalled Redis after the first decision that timed out', async () => {
    const shared = new CountingRedisStore({ url: redis.url });
    const fallback = new FallbackBudgetStore(shared, createLogger('silent'));
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await until(() => fallback.usingShared);
    const policy = { capacity: 1_000, restorePerSecond: 0.001 };
    try {
      await admin.sendCommand(['CLIENT', 'PAUSE', '3000', 'ALL']);
      // The first decision waits for its deadline, then is taken locally.
      expect(await fallback.take('stall:consumer', 100, policy)).toMatchObject({ allowed: true, remaining: 900 });
      expect(shared.sent).toBe(1);
      // The next ones are local at once: none goes to the stalled Redis.
      for (let i = 0; i < 5; i++) await fallback.take('stall:consumer', 100, policy);
      expect(await fallback.peek('stall:consumer', policy)).toMatchObject({ remaining: 400 });
      expect(shared.sent).toBe(1);
      expect(fallback.usingShared).toBe(false);
      // When the pause ends, the background probe finds Redis answering, and decisions are shared again.
      await until(() => fallback.usingShared, 8_000);
      await fallback.take('stall:consumer', 100, policy);
      expect(shared.sent).toBe(2);
    } finally {
      await admin.close().catch(() => undefined);
      await fallback.close();
    }
  });

  // The decision that timed out was still queued in the stalled Redis: when the stall ended Redis ran it,
  // and the consumer had paid for one request twice, in the local bucket and in the shared one.
  it('gives back to Redis the points of a decision that timed out there and ran later', async () => {
    const fallback = new FallbackBudgetStore(new RedisBudgetStore({ url: redis.url }), createLogger('silent'));
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await until(() => fallback.usingShared);
    const policy = { capacity: 1_000, restorePerSecond: 0.001 };
    try {
      await admin.sendCommand(['CLIENT', 'PAUSE', '1500', 'ALL']);
      expect(await fallback.take('late:consumer', 300, policy)).toMatchObject({ allowed: true, remaining: 700, local: true });
      await until(() => fallback.usingShared, 8_000);
      // The shared bucket holds its full capacity: the late take was given back once it ran.
      let shared = await store.peek('late:consumer', policy);
      for (let tries = 0; shared.remaining !== 1_000 && tries < 50; tries++) {
        await sleep(20);
        shared = await store.peek('late:consumer', policy);
      }
      expect(shared.remaining).toBe(1_000);
      expect(await fallback.take('late:consumer', 100, policy)).toMatchObject({ allowed: true, remaining: 900 });
    } finally {
      await admin.close().catch(() => undefined);
      await fallback.close();
    }
  });

  // A Redis that answers reads but refuses writes (a read-only replica; out of memory is the same):
  // the zero-cost peek succeeded and switched budgets back to Redis, the next take failed again, and
  // each request logged another "fall back" error and another "resumed" line.
  it('stays local, logging once, while Redis refuses writes, and resumes when it takes them again', async () => {
    const { logger, count } = capturedLogger();
    const fallback = new FallbackBudgetStore(new RedisBudgetStore({ url: redis.url }), logger);
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await until(() => fallback.usingShared);
    const policy = { capacity: 1_000, restorePerSecond: 0.001 };
    try {
      // A replica of a master that is not there: it answers, and refuses every write with READONLY.
      await admin.sendCommand(['REPLICAOF', '127.0.0.1', '1']);
      for (let i = 0; i < 4; i++) {
        await fallback.take('readonly:consumer', 100, policy);
        await fallback.peek('readonly:consumer', policy);
      }
      // One budget throughout: the local one (the shared one was never written).
      expect(await fallback.peek('readonly:consumer', policy)).toMatchObject({ remaining: 600 });
      expect(fallback.usingShared).toBe(false);
      expect(count(/fall back to per-process memory/)).toBe(1);
      expect(count(/budgets resumed/)).toBe(0);

      await admin.sendCommand(['REPLICAOF', 'NO', 'ONE']);
      await until(() => fallback.usingShared);
      expect(count(/budgets resumed/)).toBe(1);
      expect(await fallback.take('readonly:consumer', 100, policy)).toMatchObject({ allowed: true, remaining: 900 });
    } finally {
      await admin.sendCommand(['REPLICAOF', 'NO', 'ONE']).catch(() => undefined);
      await admin.close().catch(() => undefined);
      await fallback.close();
    }
  });
});
