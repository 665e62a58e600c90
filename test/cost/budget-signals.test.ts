import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { gql, startTestGateway, type GraphQLResponse } from '../helpers/gateway.js';
import { tempFile } from '../helpers/temp-file.js';
import { CATALOG } from '../operations/contract.js';

/**
 * What a partner's client plans with: the signals of one response must say what the next request finds.
 * The free demo key gets a small bucket that refills fast (so waiting what the signals say takes a second or
 * two), the pro key one that practically does not refill (so concurrent requests race a fixed budget).
 */

/** Costs 2n + 2 before and after: 1 (connection) + n × (edge 1 + node 1) + 1 (pageInfo). */
const IDS = /* GraphQL */ `query Ids($n: Int!, $after: String) { products(first: $n, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }`;

interface Cost {
  requestedQueryCost: number;
  actualQueryCost: number;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}
const costOf = (r: GraphQLResponse): Cost => r.body.extensions!['cost'] as Cost;

const FREE = { 'x-api-key': 'demo-public-key-free' };
const PRO = { 'x-api-key': 'demo-public-key-pro' };

let gateway: Gateway;

beforeAll(async () => {
  const limits = tempFile('limits.json', {
    public: {
      tiers: {
        free: { capacity: 100, restorePerSecond: 50 },
        pro: { capacity: 1_000, restorePerSecond: 0.001 },
      },
    },
  });
  gateway = await startTestGateway({ env: { RATE_LIMITS_FILE: limits } });
});
afterAll(() => gateway.close());

describe('A client that waits what the signals say', () => {
  it('is admitted when it sends again exactly Retry-After seconds after a 429', async () => {
    // The bucket refills 50 points a second: spend it until an operation of 100 is refused.
    let refused = await gql(gateway, 'public', IDS, { n: 49 }, FREE);
    for (let tries = 0; refused.status === 200 && tries < 5; tries++) refused = await gql(gateway, 'public', IDS, { n: 49 }, FREE);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    // The whole-second wait for the points the operation lacks, as its own signals count them.
    const { requestedQueryCost, throttleStatus } = costOf(refused);
    expect(requestedQueryCost).toBe(100);
    expect(throttleStatus.currentlyAvailable).toBeLessThan(100);
    expect(retryAfter).toBe(Math.ceil((100 - throttleStatus.currentlyAvailable) / throttleStatus.restoreRate));
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: retryAfter });
    await sleep(retryAfter * 1_000);
    const retried = await gql(gateway, 'public', IDS, { n: 49 }, FREE);
    expect(retried.status).toBe(200);
    expect(retried.body.errors).toBeUndefined();
  });

  it('finds the bucket full at X-RateLimit-Reset: an operation costing all of it is admitted', async () => {
    // Right after the test above, the bucket is nearly empty: a free operation reads when it is full again.
    const emptied = await gql(gateway, 'public', IDS, { n: 40 }, FREE);
    const spent = emptied.status === 200 ? emptied : await gql(gateway, 'public', '{ __typename }', {}, FREE);
    expect(spent.status).toBe(200);
    const reset = Number(spent.headers.get('x-ratelimit-reset'));
    const untilFull = Number(/"burst";r=\d+;t=(\d+)/.exec(spent.headers.get('ratelimit')!)![1]);
    expect(untilFull).toBeGreaterThan(0);
    expect(reset).toBeGreaterThan(Date.now() / 1_000);
    expect(reset - Date.now() / 1_000).toBeLessThanOrEqual(untilFull + 1);
    await sleep(reset * 1_000 - Date.now());
    const whole = await gql(gateway, 'public', IDS, { n: 49 }, FREE);
    expect(whole.status).toBe(200);
    expect(costOf(whole)).toMatchObject({ requestedQueryCost: 100, actualQueryCost: 100 });
  });
});

describe('Concurrent requests of one key', () => {
  it('admit what the budget holds, and every answer carries signals consistent with its own decision', async () => {
    // The cursor after p300, three pages in (a page's pageInfo alone costs 2).
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const page: GraphQLResponse<{ products: { pageInfo: { endCursor: string } } }> = await gql(
        gateway,
        'public',
        'query($after: String) { products(first: 100, after: $after) { pageInfo { endCursor } } }',
        { after },
        PRO,
      );
      after = page.body.data!.products.pageInfo.endCursor;
    }
    const available = async () => costOf(await gql(gateway, 'public', '{ __typename }', {}, PRO)).throttleStatus.currentlyAvailable;
    const before = await available();
    // Each is estimated at a full page, 202, and holds the last 20 products (p301…p320): 42, the rest refunded.
    const responses = await Promise.all(Array.from({ length: 10 }, () => gql(gateway, 'public', IDS, { n: 100, after }, PRO)));
    const admitted = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status === 429);
    expect(admitted.length + refused.length).toBe(10);
    expect(admitted.length).toBeGreaterThanOrEqual(Math.min(10, Math.floor(before / 202)));
    for (const r of admitted) {
      expect(r.body.data!['products']).toMatchObject({ pageInfo: { hasNextPage: false } });
      expect(costOf(r)).toMatchObject({ requestedQueryCost: 202, actualQueryCost: 42 });
      expect(r.headers.get('x-ratelimit-remaining')).toBe(String(costOf(r).throttleStatus.currentlyAvailable));
    }
    for (const r of refused) {
      const { throttleStatus, requestedQueryCost, actualQueryCost } = costOf(r);
      expect(r.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
      expect(actualQueryCost).toBe(0);
      expect(throttleStatus.currentlyAvailable).toBeLessThan(requestedQueryCost);
      expect(r.headers.get('x-ratelimit-remaining')).toBe(String(throttleStatus.currentlyAvailable));
      expect(Number(r.headers.get('retry-after'))).toBe(
        Math.max(1, Math.ceil((requestedQueryCost - throttleStatus.currentlyAvailable) / throttleStatus.restoreRate)),
      );
    }
    // Nothing spent twice, no refund lost: the bucket holds what it held less the actual cost of what ran.
    expect(await available()).toBe(before - 42 * admitted.length);
  });
});

describe('A page of the public catalog', () => {
  it('is priced by a dry run at what a full page then costs, and its largest size at 302 (Catalog) or 402 (every field)', async () => {
    const dry = await gql(gateway, 'public', CATALOG, { first: 100 }, { ...PRO, 'x-cost-dry-run': 'true' });
    expect(costOf(dry)).toMatchObject({ requestedQueryCost: 302, actualQueryCost: 0 });
    const every = /* GraphQL */ `query($first: Int!) { products(first: $first) { edges { cursor node {
      id name description imageUrl thumbnailUrl categoryId tags price { amount currency } originalPrice { amount currency }
      inStock stockLevel rating reviewCount } } pageInfo { hasNextPage endCursor } } }`;
    const dryEvery = await gql(gateway, 'public', every, { first: 100 }, { ...PRO, 'x-cost-dry-run': 'true' });
    expect(costOf(dryEvery).requestedQueryCost).toBe(402);
    expect(dry.headers.get('x-ratelimit-remaining')).toBe(dryEvery.headers.get('x-ratelimit-remaining'));
  });
});

describe('A caller of the public API without a key', () => {
  it("is answered UNAUTHENTICATED from the free tier's bucket and daily quota of its own, charged only what ran", async () => {
    const { status, headers, body } = await gql(gateway, 'public', IDS, { n: 49 });
    expect(status).toBe(200);
    expect(body.data).toEqual({ products: null });
    expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(costOf({ status, headers, body })).toMatchObject({ requestedQueryCost: 100, actualQueryCost: 1, throttleStatus: { maximumAvailable: 100 } });
    expect(headers.get('ratelimit-policy')).toBe('"burst";q=100;w=2, "daily";q=10000;w=86400');
    expect(headers.get('ratelimit')).toMatch(/^"burst";r=\d+;t=\d+, "daily";r=9999;t=\d+$/);
  });
});

describe('A key whose daily quota and bucket are both spent', () => {
  let spent: Gateway;
  beforeAll(async () => {
    // One request a day, and a bucket that takes 100,000 s (longer than any day's rest) to refill 100 points.
    const limits = tempFile('limits.json', { public: { tiers: { free: { capacity: 100, restorePerSecond: 0.001, dailyQuota: 1 } } } });
    spent = await startTestGateway({ env: { RATE_LIMITS_FILE: limits } });
  });
  afterAll(() => spent.close());

  it('is told to wait until both allow the operation, not only until the quota resets', async () => {
    expect((await gql(spent, 'public', IDS, { n: 49 }, FREE)).status).toBe(200);
    const refused = await gql(spent, 'public', IDS, { n: 49 }, FREE);
    expect(refused.status).toBe(429);
    expect(refused.body.errors![0]!.message).toMatch(/quota/);
    const { requestedQueryCost, throttleStatus } = costOf(refused);
    const untilFits = Math.ceil((requestedQueryCost - throttleStatus.currentlyAvailable) / throttleStatus.restoreRate);
    expect(untilFits).toBeGreaterThan(86_400);
    expect(Number(refused.headers.get('retry-after'))).toBe(untilFits);
    expect(refused.body.errors![0]!.extensions).toMatchObject({ retryAfterSeconds: untilFits });
  });
});
