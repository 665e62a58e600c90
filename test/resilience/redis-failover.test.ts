import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { gql, startTestGateway } from '../helpers/gateway.js';
import { startRedisEndpoint, type RedisEndpoint } from '../helpers/redis-endpoint.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';

const PRODUCT = 'query Product($id: ID!) { product(id: $id) { id name } }';

/** `/readyz?verbose`'s word on where budgets are decided. */
async function budgets(gateway: Gateway): Promise<unknown> {
  const response = await fetch(`${gateway.url}/readyz?verbose`);
  return ((await response.json()) as { budgets?: string }).budgets;
}

/** Sends a request every 100 ms until `/readyz?verbose` says `budgets: shared`; false if it never does within `ms`. */
async function sharedAgain(gateway: Gateway, ms: number): Promise<boolean> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    expect((await gql(gateway, 'web', PRODUCT, { id: 'p1' })).status).toBe(200);
    if ((await budgets(gateway)) === 'shared') return true;
    await sleep(100);
  }
  return false;
}

// A failover moves the endpoint's name to the promoted replica; the old primary may stay up as a replica. The
// gateway's one connection stayed on it: every budget decision and cache write answered READONLY, budgets stayed
// local and nothing was cached or registered in Redis again until the gateway was restarted.
describe.skipIf(redisMissing())('A Redis failover behind one endpoint name', () => {
  let oldPrimary: TestRedis;
  let newPrimary: TestRedis;
  let endpoint: RedisEndpoint;
  let gateway: Gateway;
  let admin: { old: ReturnType<typeof createClient>; new: ReturnType<typeof createClient> };

  beforeAll(async () => {
    [oldPrimary, newPrimary] = await Promise.all([startRedis(), startRedis()]);
    endpoint = await startRedisEndpoint(oldPrimary.port);
    gateway = await startTestGateway({ env: { REDIS_URL: endpoint.url } });
    admin = { old: createClient({ url: oldPrimary.url }), new: createClient({ url: newPrimary.url }) };
    await Promise.all([admin.old.connect(), admin.new.connect()]);
  });
  afterAll(async () => {
    await Promise.all([admin?.old.close(), admin?.new.close()]);
    await gateway?.close();
    await endpoint?.close();
    await Promise.all([oldPrimary?.stop(), newPrimary?.stop()]);
  });

  it('follows the endpoint to the new primary once the old one answers READONLY: shared budgets and the cache resume without a restart', async () => {
    expect(await sharedAgain(gateway, 10_000)).toBe(true);
    expect((await gql(gateway, 'web', PRODUCT, { id: 'p1' })).status).toBe(200);
    expect(await admin.old.exists('bff:budget:web#anon:127.0.0.1')).toBe(1);

    // The failover: the old primary refuses writes as a replica does, and the name now leads to the new one.
    await admin.old.sendCommand(['REPLICAOF', '127.0.0.1', '1']);
    endpoint.pointAt(newPrimary.port);

    expect(await sharedAgain(gateway, 10_000)).toBe(true);
    // The next decision, and the cache's write of its answer, go to the new primary.
    expect((await gql(gateway, 'web', PRODUCT, { id: 'p2' })).status).toBe(200);
    expect(await admin.new.exists('bff:budget:web#anon:127.0.0.1')).toBe(1);
    let cached: string[] = [];
    for (let tries = 0; cached.length === 0 && tries < 50; tries++) {
      cached = await admin.new.keys('bff-cache::GET *products?ids=p2');
      if (cached.length === 0) await sleep(20);
    }
    expect(cached).toHaveLength(1);
  });

  // A failover that replaced the old node took its address away: the connection's packets went nowhere and
  // nothing closed it. Budgets stayed local and every lookup missed until TCP gave up, many minutes later.
  it('opens its connection again when Redis has answered nothing on it for 10 s, and budgets are shared again', async () => {
    expect(await sharedAgain(gateway, 10_000)).toBe(true);
    endpoint.freeze();
    expect((await gql(gateway, 'web', PRODUCT, { id: 'p3' })).status).toBe(200);
    expect(await budgets(gateway)).toBe('local');
    expect(await sharedAgain(gateway, 25_000)).toBe(true);
  }, 40_000);
});
