import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeRedis, connectRedis, type RedisConnection } from '../../clients/redis-connection.js';
import { FallbackBudgetStore } from '../../src/cost/fallback-store.js';
import { RedisBudgetStore } from '../../src/cost/redis-store.js';
import { createLogger } from '../../src/logger.js';
import { startRedisEndpoint, type RedisEndpoint } from '../helpers/redis-endpoint.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';

/** A budget store that counts the fallback's background probes and the reopenings it asks for. */
class WatchedRedisStore extends RedisBudgetStore {
  probes = 0;
  reopened = 0;
  override take(...args: Parameters<RedisBudgetStore['take']>) {
    if (args[0] === 'gateway:probe') this.probes += 1;
    return super.take(...args);
  }
  override reopen(): void {
    this.reopened += 1;
    super.reopen();
  }
}

async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const POLICY = { capacity: 1_000, restorePerSecond: 0.001 };

// The gateway's one connection, as in src/gateway.ts: shared, closed by its owner after the budgets.
describe.skipIf(redisMissing())('Redis budgets with a local fallback: a connection that answers nothing for 10 s', () => {
  let redis: TestRedis;
  let endpoint: RedisEndpoint;
  let connection: RedisConnection;
  let shared: WatchedRedisStore;
  let fallback: FallbackBudgetStore;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });
  beforeEach(async () => {
    endpoint = await startRedisEndpoint(redis.port);
    connection = connectRedis({ url: endpoint.url });
    shared = new WatchedRedisStore({ connection });
    fallback = new FallbackBudgetStore(shared, createLogger('silent'));
    await until(() => fallback.usingShared);
    // The 10 s are counted on the monotonic clock, which the tests move on; deadlines and probes run in real time.
    vi.useFakeTimers({ toFake: ['performance'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await fallback.close();
    await closeRedis(connection);
    await endpoint.close();
  });

  /** Waits for the fallback's next probe to be sent and for its deadline (1 s) to pass unanswered. */
  async function unansweredProbe(): Promise<void> {
    const sent = shared.probes;
    await until(() => shared.probes > sent);
    await sleep(1_200);
  }

  /** Freezes the connection, so that the next decision goes local; then one probe goes unanswered and 10 s pass. */
  async function silentFor10s(): Promise<void> {
    endpoint.freeze();
    expect(await fallback.take('silent:consumer', 1, POLICY)).toMatchObject({ local: true });
    await unansweredProbe();
    vi.advanceTimersByTime(10_000);
  }

  it('reopens it at the first probe left unanswered after 10 s of silence', async () => {
    await silentFor10s();
    await unansweredProbe();
    expect(shared.reopened).toBe(1);
  });

  // The probe's reopen ran after the gateway had closed the budgets, on a connection its owner was closing: the
  // client threw "The client is closed" out of the probe (an unhandled rejection, which ends the process with 1
  // instead of 0), or, just before, opened a connection that nothing closed.
  it('never reopens it once the budgets are closed, though a probe in flight then completes the 10 s', async () => {
    await silentFor10s();
    const sent = shared.probes;
    await until(() => shared.probes > sent);
    await fallback.close();
    await sleep(1_200);
    expect(shared.reopened).toBe(0);
  });

  // The silence was counted from a probe on a connection lost since: after an outage longer than 10 s, the first
  // probe of the new connection that went unanswered (a Redis slow for a second as it comes back) reopened it.
  it('counts the silence afresh on a new connection', async () => {
    await silentFor10s();
    // The connection ends and none opens for a while: the probes meanwhile find none.
    endpoint.pointAt(await closedPort());
    endpoint.drop();
    await sleep(2_500);
    expect(connection.isReady).toBe(false);
    // A new one opens, and is silent from its first moment.
    connection.once('ready', () => endpoint.freeze());
    endpoint.pointAt(redis.port);
    await until(() => connection.isReady);
    await unansweredProbe();
    expect(shared.reopened).toBe(0);
  });
});
