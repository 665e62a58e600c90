import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, reopenRedis, type RedisConnection } from '../../clients/redis-connection.js';
import { startRedisEndpoint, type RedisEndpoint } from '../helpers/redis-endpoint.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';

async function connected(endpoint: RedisEndpoint): Promise<RedisConnection> {
  const client = connectRedis({ url: endpoint.url });
  for (let tries = 0; !client.isReady && tries < 250; tries++) await sleep(20);
  expect(client.isReady).toBe(true);
  return client;
}

// The 10 s silence rule and READONLY answers reopen the gateway's one connection; both can happen while the gateway
// shuts down, on a server that has stopped answering.
describe.skipIf(redisMissing())('The Redis connection: closing one whose server has stopped answering', () => {
  let redis: TestRedis;
  let endpoint: RedisEndpoint;

  beforeAll(async () => {
    redis = await startRedis();
    endpoint = await startRedisEndpoint(redis.port);
  });
  afterAll(async () => {
    await endpoint?.close();
    await redis?.stop();
  });

  // `client.close()` waited for the unanswered command, and a client being closed can no longer be destroyed: its
  // socket stayed open (holding the process) until the server answered or TCP gave up.
  it('ends the connection though a command on it is never answered', async () => {
    const client = await connected(endpoint);
    endpoint.freeze();
    const unanswered = client.sendCommand(['PING']).then(
      () => 'answered',
      () => 'failed',
    );
    await closeRedis(client);
    expect(client.isOpen).toBe(false);
    expect(client.isReady).toBe(false);
    expect(await unanswered).toBe('failed');
  });

  // A probe's silence or a READONLY answer arriving during the close reopened it: the reopen threw "The client is
  // closed" (an unhandled rejection from the budgets' probe, which ends the process), or, a moment earlier, opened
  // a connection that nothing closed.
  it('is not reopened once its close has begun, nor after', async () => {
    const client = await connected(endpoint);
    endpoint.freeze();
    void client.sendCommand(['PING']).catch(() => undefined);
    const closing = closeRedis(client);
    expect(() => reopenRedis(client)).not.toThrow();
    await closing;
    expect(() => reopenRedis(client)).not.toThrow();
    await sleep(100);
    expect(client.isOpen).toBe(false);
    expect(client.isReady).toBe(false);
  });
});
