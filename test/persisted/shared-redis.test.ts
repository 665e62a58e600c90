import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { byHash, codeOf, post } from './requests.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.skipIf(redisMissing())('Automatic persisted queries shared by two gateway processes on one redis-server', () => {
  let redis: TestRedis;
  let demo: DemoServices;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    [redis, demo] = await Promise.all([startRedis(), startDemoServices()]);
    [a, b] = await Promise.all([spawnGateway(demo.urls, { REDIS_URL: redis.url }), spawnGateway(demo.urls, { REDIS_URL: redis.url })]);
  }, 60_000);
  afterAll(async () => {
    expect(await Promise.all([a?.stop(), b?.stop()])).toEqual([0, 0]);
    await Promise.all([redis?.stop(), demo?.close()]);
  });

  it('runs by hash on process B a query registered on process A', async () => {
    const query = 'query SharedName($id: ID!) { product(id: $id) { id name } }';
    const unknownOnB = await post(b, 'web', { extensions: byHash(sha256(query)), variables: { id: 'p1' } });
    expect(codeOf(unknownOnB)).toBe('PERSISTED_QUERY_NOT_FOUND');

    const registered = await post(a, 'web', { query, extensions: byHash(sha256(query)), variables: { id: 'p1' } });
    expect(registered.status).toBe(200);
    // Apollo writes the registration after answering: give it a moment to land in Redis.
    let onB = await post(b, 'web', { extensions: byHash(sha256(query)), variables: { id: 'p2' } });
    for (let i = 0; i < 20 && codeOf(onB) === 'PERSISTED_QUERY_NOT_FOUND'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      onB = await post(b, 'web', { extensions: byHash(sha256(query)), variables: { id: 'p2' } });
    }
    expect(onB.status).toBe(200);
    expect(onB.body.data).toEqual({ product: { id: 'p2', name: expect.any(String) } });
  });

  it('answers PERSISTED_QUERY_NOT_FOUND at once while Redis is down, runs full queries, and logs the outage', async () => {
    const query = 'query DuringOutage($id: ID!) { product(id: $id) { id } }';
    redis.kill();
    const started = Date.now();
    const byHashOnly = await post(b, 'web', { extensions: byHash(sha256(query)), variables: { id: 'p1' } });
    expect(codeOf(byHashOnly)).toBe('PERSISTED_QUERY_NOT_FOUND');
    const full = await post(b, 'web', { query, extensions: byHash(sha256(query)), variables: { id: 'p1' } });
    expect(full.body.data).toEqual({ product: { id: 'p1' } });
    expect(Date.now() - started).toBeLessThan(2_000);
    await b.waitFor(/persisted queries: Redis unavailable/, 5_000);
    expect(b.output().match(/persisted queries: Redis unavailable/g)).toHaveLength(1);
  });
});
