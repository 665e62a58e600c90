import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setRateLimitHeaders } from '../../src/cost/rate-limit-headers.js';
import type { Gateway } from '../../src/gateway.js';
import { bearer, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { tempFile } from '../helpers/temp-file.js';
import { MOBILE_DASHBOARD, ORDER_HISTORY, PRODUCT_PAGE } from '../operations/contract.js';

/** Costs exactly 100 before and after: 1 (connection) + 49 × (edge 1 + node 1) + 1 (pageInfo). */
const COST_100 = /* GraphQL */ `query Hundred($n: Int!) { products(first: $n) { edges { node { id } } pageInfo { hasNextPage } } }`;

let gateway: Gateway;
const upstreamCalls = () => Object.values(gateway.demo!.stats()).reduce((n, s) => n + s.total, 0);

beforeAll(async () => {
  const limits = tempFile('limits.json', {
    public: {
      tiers: {
        free: { capacity: 1_000, restorePerSecond: 0.001, dailyQuota: 100_000 },
        pro: { capacity: 5_000, restorePerSecond: 100, dailyQuota: 2 },
      },
    },
    web: { tiers: { free: { capacity: 300, restorePerSecond: 0.001 } } },
    mobile: { mode: 'measure', tiers: { enterprise: { capacity: 20, restorePerSecond: 0.001 } } },
  });
  gateway = await startTestGateway({ env: { RATE_LIMITS_FILE: limits } });
});
afterAll(() => gateway.close());
beforeEach(() => gateway.demo!.resetStats());

describe('Rate limiting by query cost', () => {
  it('admits exactly 10 of 50 concurrent operations of cost 100 against a budget of 1,000; the rest never reach a service', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => gql(gateway, 'public', COST_100, { n: 49 }, { 'x-api-key': 'demo-public-key-free' })),
    );
    const admitted = responses.filter((r) => r.status === 200);
    const throttled = responses.filter((r) => r.status === 429);
    expect(admitted).toHaveLength(10);
    expect(throttled).toHaveLength(40);
    for (const r of admitted) expect(r.body.extensions!['cost']).toMatchObject({ requestedQueryCost: 100, actualQueryCost: 100 });
    const refused = throttled[0]!;
    expect(refused.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(refused.body.data).toBeUndefined();
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    // A throttled operation reaches no service: this one asks for a list nobody has fetched (nor cached).
    gateway.demo!.resetStats();
    const more = await gql(
      gateway,
      'public',
      `query($n: Int!) { products(first: $n, query: "never-fetched") { edges { node { id } } pageInfo { hasNextPage } } }`,
      { n: 49 },
      { 'x-api-key': 'demo-public-key-free' },
    );
    expect(more.status).toBe(429);
    expect(upstreamCalls()).toBe(0);
  });

  it('reports extensions.cost and the RateLimit headers on every response', async () => {
    const { status, headers, body } = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'p1' });
    expect(status).toBe(200);
    expect(body.extensions!['cost']).toEqual({
      requestedQueryCost: 14,
      actualQueryCost: 14,
      throttleStatus: { maximumAvailable: 300, currentlyAvailable: expect.any(Number), restoreRate: 0.001 },
    });
    const available = (body.extensions!['cost'] as { throttleStatus: { currentlyAvailable: number } }).throttleStatus.currentlyAvailable;
    expect(headers.get('ratelimit-policy')).toBe('"burst";q=300;w=300000');
    expect(headers.get('ratelimit')).toMatch(new RegExp(`^"burst";r=${available};t=\\d+$`));
    expect(headers.get('x-ratelimit-limit')).toBe('300');
    expect(headers.get('x-ratelimit-remaining')).toBe(String(available));
    expect(Number(headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const invalid = await gql(gateway, 'web', '{ nope }');
    expect(invalid.status).toBe(400);
    expect(invalid.body.extensions!['cost']).toMatchObject({ requestedQueryCost: 0, actualQueryCost: 0 });
  });

  it('refunds the difference between the estimate and what was actually returned', async () => {
    // u2 has two orders: a page of five is priced for five, and costs what two cost.
    const token = await tokenFor('u2');
    const { body } = await gql(gateway, 'web', ORDER_HISTORY, { first: 5 }, bearer(token));
    const cost = body.extensions!['cost'] as { requestedQueryCost: number; actualQueryCost: number; throttleStatus: { currentlyAvailable: number } };
    expect(cost.requestedQueryCost).toBe(1 + 1 + 5 * (1 + 1 + 1 + 10 * (1 + 1 + 1)) + 1);
    expect(cost.actualQueryCost).toBeLessThan(cost.requestedQueryCost);
    expect(cost.throttleStatus.currentlyAvailable).toBe(300 - cost.actualQueryCost);
  });

  it('refuses an operation costing more than the whole bucket as QUERY_TOO_EXPENSIVE, with nothing upstream', async () => {
    const token = await tokenFor('u2');
    const { status, body } = await gql(gateway, 'web', ORDER_HISTORY, { first: 20 }, bearer(token));
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', maximumCost: 300 });
    expect(body.errors![0]!.extensions!['requestedQueryCost']).toBeGreaterThan(300);
    expect(upstreamCalls()).toBe(0);
  });

  it('refuses an operation over the per-operation maximum, whatever the budget', async () => {
    const token = await tokenFor('u3', { tier: 'enterprise' });
    const big = `{ ${Array.from({ length: 20 }, (_, i) => `o${i}: me { orders(first: 100) { edges { node { lines { product { id } } } } } }`).join(' ')} }`;
    const { status, body } = await gql(gateway, 'web', big, {}, bearer(token));
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', maximumCost: 5_000 });
    expect(upstreamCalls()).toBe(0);
  });

  it('takes an operation costing exactly the whole bucket, and refuses one costing a point more', async () => {
    // Anonymous on web: a free bucket of 300. Two lists: (1 + 100 × 2 + 1) + (1 + 48 × 2 + 1) = 300; a product is 1 more.
    // Priced by dry runs, which are checked against the maximum and spend nothing.
    const lists = 'a: products(first: 100) { edges { node { id } } pageInfo { hasNextPage } } b: products(first: 48) { edges { node { id } } pageInfo { hasNextPage } }';
    const dryRun = { 'x-cost-dry-run': 'true' };
    const atTheMaximum = await gql(gateway, 'web', `{ ${lists} }`, {}, dryRun);
    expect(atTheMaximum.status).toBe(200);
    expect(atTheMaximum.body.errors).toBeUndefined();
    expect(atTheMaximum.body.extensions!['cost']).toMatchObject({ requestedQueryCost: 300, dryRun: true });
    const onePointMore = await gql(gateway, 'web', `{ ${lists} p: product(id: "p1") { id } }`, {}, dryRun);
    expect(onePointMore.status).toBe(400);
    expect(onePointMore.body.errors![0]!.extensions).toMatchObject({ code: 'QUERY_TOO_EXPENSIVE', requestedQueryCost: 301, maximumCost: 300 });
    expect(upstreamCalls()).toBe(0);
  });

  it('prices an operation without running it or spending budget on a dry run', async () => {
    const headers = { 'x-api-key': 'demo-public-key-pro', 'x-cost-dry-run': 'true' };
    const first = await gql(gateway, 'public', COST_100, { n: 49 }, headers);
    const second = await gql(gateway, 'public', COST_100, { n: 10 }, headers);
    expect(first.status).toBe(200);
    expect(first.body.data).toBeUndefined();
    expect(first.body.extensions!['cost']).toMatchObject({ requestedQueryCost: 100, actualQueryCost: 0, dryRun: true });
    expect(second.body.extensions!['cost']).toMatchObject({ requestedQueryCost: 22 });
    expect(first.headers.get('x-ratelimit-remaining')).toBe('5000');
    expect(upstreamCalls()).toBe(0);
  });

  it('counts a daily request quota for API keys as a second policy, and answers 429 past it', async () => {
    const headers = { 'x-api-key': 'demo-public-key-pro' };
    const one = await gql(gateway, 'public', COST_100, { n: 1 }, headers);
    expect(one.headers.get('ratelimit-policy')).toBe('"burst";q=5000;w=50, "daily";q=2;w=86400');
    expect(one.headers.get('ratelimit')).toMatch(/^"burst";r=\d+;t=\d+, "daily";r=1;t=\d+$/);
    const second = await gql(gateway, 'public', COST_100, { n: 1 }, headers);
    const third = await gql(gateway, 'public', COST_100, { n: 1 }, headers);
    expect(third.status).toBe(429);
    expect(third.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(third.body.errors![0]!.message).toMatch(/quota/);
    const retryAfter = Number(third.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    // The bucket still holds nearly all its points, but nothing is admitted until the quota resets: X-RateLimit-*
    // say so from the response that spent the quota's last request on (they said 5,000 left, full now).
    expect(third.headers.get('ratelimit')).toMatch(/"daily";r=0;t=\d+$/);
    for (const spent of [second, third]) {
      expect(spent.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Math.abs(Number(spent.headers.get('x-ratelimit-reset')) - (Date.now() / 1000 + retryAfter))).toBeLessThanOrEqual(2);
    }
    expect(Number(one.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
  });

  it('reports but does not enforce in measure mode', async () => {
    // MobileDashboard costs 12 for u1 (five recent orders) against a bucket of 20.
    const token = await tokenFor('u1', { tier: 'enterprise' });
    const responses = [];
    for (let i = 0; i < 3; i++) responses.push(await gql(gateway, 'mobile', MOBILE_DASHBOARD, {}, bearer(token)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    for (const r of responses) expect(r.body.data!['dashboard']).not.toBeNull();
    expect(responses[2]!.headers.get('x-ratelimit-remaining')).toBe('8');
  });

  it('budgets anonymous visitors as free, by client address', async () => {
    const { body } = await gql(gateway, 'web', '{ product(id: "p2") { id } }');
    expect(body.extensions!['cost']).toMatchObject({ throttleStatus: { maximumAvailable: 300 } });
  });

  // Budgets were keyed by audience and consumer id alone, and an anonymous visitor's id is `anon:<address>`:
  // a token whose `sub` was that same text shared the visitors' bucket, each spending the other's points.
  it('keeps a user whose id reads like an anonymous visitor apart from the visitors at that address', async () => {
    const available = (r: { body: { extensions?: Record<string, unknown> } }) =>
      (r.body.extensions!['cost'] as { throttleStatus: { currentlyAvailable: number } }).throttleStatus.currentlyAvailable;
    const before = available(await gql(gateway, 'web', '{ product(id: "p3") { id } }'));
    const lookalike = await tokenFor('anon:127.0.0.1', { tier: 'free' });
    const spent = await gql(gateway, 'web', COST_100, { n: 49 }, bearer(lookalike));
    expect(spent.status).toBe(200);
    expect(available(spent)).toBe(200);
    expect(available(await gql(gateway, 'web', '{ product(id: "p3") { id } }'))).toBe(before - 1);
  });
});

describe('Introspection', () => {
  // It was free: anyone could ask the public API for thirty schema walks at a time, endlessly, spending nothing.
  it('costs 100 per __schema or __type field, estimated and actual alike, aliases each again', async () => {
    const twice = '{ a: __schema { queryType { name } } b: __type(name: "Product") { name } }';
    const estimate = await gql(gateway, 'web', twice, {}, { 'x-cost-dry-run': 'true' });
    expect(estimate.body.extensions!['cost']).toMatchObject({ requestedQueryCost: 200, dryRun: true });
    const { body } = await gql(gateway, 'web', '{ __schema { queryType { name } } }');
    expect(body.errors).toBeUndefined();
    expect(body.extensions!['cost']).toMatchObject({ requestedQueryCost: 100, actualQueryCost: 100 });
    // Thirty at once could never fit a free bucket (1,000): refused before anything runs.
    const thirty = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: __schema { queryType { name } }`).join(' ')} }`;
    const refused = await gql(gateway, 'web', thirty);
    expect(refused.status).toBe(400);
    expect(refused.body.errors![0]!.extensions!['code']).toBe('QUERY_TOO_EXPENSIVE');
  });
});

describe('A page size given as null', () => {
  // Generated clients type an optional `first` as `number | null` and send null: that answered "Exactly one of
  // first is required." as GRAPHQL_VALIDATION_FAILED, although the document is valid and the input is the problem.
  it('is BAD_USER_INPUT naming the argument, before anything runs', async () => {
    const query = 'query C($first: Int, $after: String) { products(first: $first, after: $after) { edges { cursor } } }';
    const { status, body } = await gql(gateway, 'public', query, { first: null }, { 'x-api-key': 'demo-public-key-pro' });
    expect(status).toBe(400);
    expect(body.errors).toEqual([expect.objectContaining({ message: '`first` must be a number: leave it out for its default, never null.' })]);
    expect(body.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
    expect(body.data).toBeUndefined();
    // Left out, the variable gives the argument its default (priced by a dry run, which spends nothing).
    const defaulted = await gql(gateway, 'public', query, {}, { 'x-api-key': 'demo-public-key-pro', 'x-cost-dry-run': 'true' });
    expect(defaulted.status).toBe(200);
    expect(defaulted.body.errors).toBeUndefined();
    expect(defaulted.body.extensions!['cost']).toMatchObject({ requestedQueryCost: expect.any(Number), dryRun: true });
  });
});

describe('Query shape limits (before cost)', () => {
  const expectValidationFailure = async (query: string, headers: Record<string, string> = {}) => {
    const { status, body } = await gql(gateway, 'web', query, {}, headers);
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(upstreamCalls()).toBe(0);
    return body;
  };

  // graphql-js's field-merging check stops at a work limit and said only "Validation aborted.".
  it('refuses a field repeated a thousand times with a message that says why', async () => {
    const body = await expectValidationFailure(`{ product(id: "p1") {${' id'.repeat(1_000)} } }`);
    expect(body.errors!.map((error) => error.message)).toEqual([
      'This document repeats fields too many times to be checked (validation stopped at its work limit): ask for each field once.',
    ]);
  });

  it('refuses a query deeper than the limit (10), naming the limit', async () => {
    // 11 levels: me > orders > edges > node > lines > product > reviews > edges > node > author > id.
    const deep = `{ me { orders { edges { node { lines { product { reviews { edges { node { author { id } } } } } } } } } } }`;
    const body = await expectValidationFailure(deep);
    // The only error is the depth rule's: the query is otherwise valid, so it was refused for its depth alone.
    expect(body.errors!.map((error) => error.message)).toEqual(['Query depth 11 exceeds the maximum of 10.']);
  });

  it('answers the same kind of query at exactly the depth limit, and refuses it one level deeper', async () => {
    const token = await tokenFor('u1');
    // 10 levels: me > orders > edges > node > lines > product > reviews > edges > node > id.
    const atTheLimit = `{ me { orders(first: 1) { edges { node { lines { product { reviews(first: 1) { edges { node { id } } } } } } } } } }`;
    const oneDeeper = atTheLimit.replace('node { id }', 'node { author { id } }');
    const refused = await expectValidationFailure(oneDeeper, bearer(token));
    expect(refused.errors!.map((error) => error.message)).toEqual(['Query depth 11 exceeds the maximum of 10.']);

    const { status, body } = await gql<{ me: { orders: { edges: unknown[] } } }>(gateway, 'web', atTheLimit, {}, bearer(token));
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data!.me.orders.edges).toHaveLength(1);
    expect(upstreamCalls()).toBeGreaterThan(0);
  });

  it('counts depth through named fragments and inline fragments alike', async () => {
    // The same 11 levels as above, with the lower half in a named fragment, then in an inline fragment.
    const lower = 'orders { edges { node { lines { product { reviews { edges { node { author { id } } } } } } } } }';
    for (const deep of [
      `{ me { ...Lower } } fragment Lower on Viewer { ${lower} }`,
      `{ me { ... on Viewer { ${lower} } } }`,
      `{ me { ...Outer } } fragment Outer on Viewer { ... on Viewer { ...Lower } } fragment Lower on Viewer { ${lower} }`,
    ]) {
      const body = await expectValidationFailure(deep);
      expect(body.errors!.map((error) => error.message)).toEqual(['Query depth 11 exceeds the maximum of 10.']);
    }
  });

  it('refuses more aliases than the limit (30), naming the limit', async () => {
    const body = await expectValidationFailure(`{ ${Array.from({ length: 31 }, (_, i) => `a${i}: __typename`).join(' ')} }`);
    expect(body.errors!.map((error) => error.message)).toEqual(['More than 30 aliases in one document.']);
  });

  it('answers exactly the limit number of aliases (30) with data', async () => {
    const { status, body } = await gql(gateway, 'web', `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: __typename`).join(' ')} }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`a${i}`, 'Query'])));
  });

  it('refuses more directives than the limit (50), and only that', async () => {
    // One directive per selection, so graphql's own rule (a directive at most once per location) never fires:
    // the 51 copies of the field merge into one, and only the directive count is over.
    const withDirectives = (count: number) => `{ ${'__typename @include(if: true) '.repeat(count)}}`;
    const body = await expectValidationFailure(withDirectives(51));
    expect(body.errors!.map((error) => error.message)).toEqual(['More than 50 directives in one document.']);
    const atTheLimit = await gql(gateway, 'web', withDirectives(50));
    expect(atTheLimit.status).toBe(200);
    expect(atTheLimit.body.data).toEqual({ __typename: 'Query' });
  });

  // graphql-js validates a subscription against a schema without a Subscription type, and its execution failed:
  // a 200 with INTERNAL_SERVER_ERROR (and a stack in development), logged as the gateway's error.
  it('refuses a subscription, and a mutation where there are none, as invalid requests that say why', async () => {
    const subscription = await expectValidationFailure('subscription Live { product(id: "p1") { id } }');
    expect(subscription.errors!.map((error) => error.message)).toEqual([
      'Subscriptions are not supported: this API answers queries and mutations over HTTP; poll with a query instead.',
    ]);
    const { status, body } = await gql(gateway, 'public', 'mutation { __typename }');
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors!.map((error) => [error.message, error.extensions!.code])).toEqual([
      ['This API has no mutations: it answers queries only.', 'GRAPHQL_VALIDATION_FAILED'],
    ]);
  });

  it('refuses fragments spreading each other', async () => {
    await expectValidationFailure('{ product(id: "p1") { ...A } } fragment A on Product { id ...B } fragment B on Product { name ...A }');
  });

  it('answers 500 copies of the same field cheaply: they merge into one, fetched once', async () => {
    // p5: a product no other test here reads on its own, so its response is not already in the upstream cache.
    const product = gateway.demo!.data.products.find((p) => p.id === 'p5')!;
    const { status, body } = await gql(gateway, 'web', `{ product(id: "p5") { ${'name '.repeat(500)} } }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ product: { name: product.name } });
    expect(body.extensions!['cost']).toMatchObject({ requestedQueryCost: 1 });
    const stats = gateway.demo!.stats();
    expect(stats.products.total).toBe(1);
    expect(upstreamCalls()).toBe(1);
  });
});

describe('The RateLimit headers of a policy whose refill is not a whole number of seconds', () => {
  it('round the window and the time to full up, so a client waiting that long finds the bucket full', () => {
    const headers = new Map<string, string>();
    // 10 points at 3 a second: full again 10/3 s after empty, and 7/3 s after 3 points remain.
    setRateLimitHeaders(headers, { capacity: 10, restorePerSecond: 3 }, { remaining: 3, quotaUsed: 0, quotaResetSeconds: 0 }, 1_000_500);
    expect(Object.fromEntries(headers)).toEqual({
      'ratelimit-policy': '"burst";q=10;w=4',
      ratelimit: '"burst";r=3;t=3',
      'x-ratelimit-limit': '10',
      'x-ratelimit-remaining': '3',
      'x-ratelimit-reset': String(1_001 + 3),
    });
  });
});

describe('The X-RateLimit headers of a key whose daily quota is spent', () => {
  it('say nothing is left until the quota resets, however full the bucket is', () => {
    const headers = new Map<string, string>();
    const policy = { capacity: 10, restorePerSecond: 3, quota: { limit: 5, windowSeconds: 86_400 } };
    setRateLimitHeaders(headers, policy, { remaining: 10, quotaUsed: 5, quotaResetSeconds: 600 }, 1_000_500);
    expect(Object.fromEntries(headers)).toMatchObject({
      ratelimit: '"burst";r=10;t=0, "daily";r=0;t=600',
      'x-ratelimit-remaining': '0',
      // The quota resets on a whole second, 600 s from the current one: that second, not one later.
      'x-ratelimit-reset': String(1_000 + 600),
    });
    setRateLimitHeaders(headers, policy, { remaining: 10, quotaUsed: 4, quotaResetSeconds: 600 }, 1_000_500);
    expect(headers.get('x-ratelimit-remaining')).toBe('10');
    expect(headers.get('x-ratelimit-reset')).toBe('1001');
  });
});
