import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoServices, type DemoServices } from '../../src/demo/index.js';
import type { Gateway } from '../../src/gateway.js';
import { gql, startTestGateway } from '../helpers/gateway.js';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis.js';
import { tempFile } from '../helpers/temp-file.js';

/** Costs exactly 100 before and after (see rate-limit.test.ts). */
const COST_100 = `query Hundred($n: Int!) { products(first: $n) { edges { node { id } } pageInfo { hasNextPage } } }`;
const SLOW = { capacity: 1_000, restorePerSecond: 0.001, dailyQuota: 1_000_000 };
const DEPLOYMENTS = ['staging', 'production'] as const;

/** The ACL user docs/operations.md gives an operator, for `name` with its own password and key prefix. */
function documentedAclUser(name: string, prefix: string): string[] {
  const line = readFileSync('docs/operations.md', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ACL SETUSER bff-gateway '));
  if (!line) throw new Error('docs/operations.md gives no ACL SETUSER line');
  return line.replace('bff-gateway', name).replace('>PASSWORD', `>pw-${name}`).replace('~PREFIX*', `~${prefix}*`).split(' ');
}

async function verbose(gateway: Gateway): Promise<{ redis?: string; budgets?: string }> {
  return (await fetch(`${gateway.url}/readyz?verbose`)).json() as Promise<{ redis?: string; budgets?: string }>;
}

// Two deployments on one Redis wrote the same keys: a user or API key known to both spent one budget from both,
// and a prefix could not be set (nor an ACL user held to one deployment's keys) without a database of its own,
// which Upstash and Redis Cluster do not have.
describe.skipIf(redisMissing())('Two deployments on one Redis, each with its REDIS_KEY_PREFIX and the documented ACL user', () => {
  let redis: TestRedis;
  let demo: DemoServices;
  let admin: ReturnType<typeof createClient>;
  const gateways = new Map<(typeof DEPLOYMENTS)[number], Gateway>();

  beforeAll(async () => {
    [redis, demo] = await Promise.all([startRedis(), startDemoServices()]);
    admin = createClient({ url: redis.url });
    await admin.connect();
    const limits = tempFile('limits.json', { public: { tiers: { free: SLOW, pro: SLOW } } });
    for (const name of DEPLOYMENTS) {
      await admin.sendCommand(documentedAclUser(name, `${name}:`));
      const env = { REDIS_URL: `redis://${name}:pw-${name}@127.0.0.1:${redis.port}`, REDIS_KEY_PREFIX: `${name}:`, RATE_LIMITS_FILE: limits };
      gateways.set(name, await startTestGateway({ upstreams: demo.urls, env }));
    }
    // Connected before the first decision, so none is taken locally while the connection is still being opened.
    for (const gateway of gateways.values()) {
      while ((await verbose(gateway)).budgets !== 'shared') await sleep(20);
    }
  });
  afterAll(async () => {
    await Promise.all([...gateways.values()].map((g) => g.close()));
    await admin?.close();
    await Promise.all([redis?.stop(), demo?.close()]);
  });

  it('keeps one budget per deployment, shared in Redis: staging spending a key does not spend it in production', async () => {
    const staging = gateways.get('staging')!;
    const production = gateways.get('production')!;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await gql(staging, 'public', COST_100, { n: 49 }, { 'x-api-key': 'demo-public-key-free' })).status);
    expect(statuses).toEqual([...Array(10).fill(200), 429]);
    expect((await gql(production, 'public', COST_100, { n: 49 }, { 'x-api-key': 'demo-public-key-free' })).status).toBe(200);
    // Decided in Redis, not in each process's memory: the documented commands and keys are all the gateway needs.
    for (const gateway of [staging, production]) expect(await verbose(gateway)).toMatchObject({ redis: 'up', budgets: 'shared' });
    const points = async (key: string) => Math.floor(Number(await admin.hGet(key, 't')));
    expect(await points('staging:bff:budget:public:demo-partner-free')).toBe(0);
    expect(await points('production:bff:budget:public:demo-partner-free')).toBe(900);
  });

  it('writes every key, budgets, cached responses and registered queries, under its own prefix, and nothing the ACL refuses', async () => {
    const query = '{ product(id: "p4") { id name } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const registered = await fetch(`${gateways.get('staging')!.url}/web/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    });
    expect(registered.status).toBe(200);
    let keys: string[] = [];
    for (let tries = 0; !keys.includes(`staging:bff-cache::apq:${sha256Hash}`) && tries < 50; tries++) {
      await sleep(20);
      keys = await admin.keys('*');
    }
    expect(keys).toContain(`staging:bff-cache::apq:${sha256Hash}`);
    expect(keys.some((key) => key.startsWith('staging:bff-cache::GET '))).toBe(true);
    expect(keys.some((key) => key.startsWith('production:bff-cache::GET '))).toBe(true);
    expect(keys.filter((key) => !key.startsWith('staging:') && !key.startsWith('production:'))).toEqual([]);
    expect(await admin.sendCommand(['ACL', 'LOG'])).toEqual([]);
  });
});
