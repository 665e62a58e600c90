import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway, tokenFor, type GraphQLResponse } from '../helpers/gateway.js';

let upstream: FixtureUpstream;
let gateway: Gateway;
let alice: Record<string, string>;

beforeAll(async () => {
  upstream = await startFixtureUpstream();
  gateway = await startTestGateway({ upstreams: upstream.urls });
  alice = bearer(await tokenFor('fx-alice', { tier: 'pro' }));
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

const calls = (path: RegExp): number => upstream.requests.filter((r) => path.test(r.path)).length;
const costOf = (response: GraphQLResponse) => response.body.extensions!['cost'] as { requestedQueryCost: number; actualQueryCost: number };

describe('Upstream work is charged', () => {
  it('asks the notifications service once for unreadCount, however many aliases and dashboards ask for it', async () => {
    const response = await gql(
      gateway,
      'mobile',
      '{ dashboard { unreadCount a: unreadCount b: unreadCount c: unreadCount } d: dashboard { unreadCount e: unreadCount } }',
      {},
      alice,
    );
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data).toEqual({ dashboard: { unreadCount: 2, a: 2, b: 2, c: 2 }, d: { unreadCount: 2, e: 2 } });
    // Two points (the dashboards; the count is a free scalar): one call, not six.
    expect(costOf(response)).toMatchObject({ requestedQueryCost: 2, actualQueryCost: 2 });
    expect(calls(/^\/notifications\/unread-count/)).toBe(1);
  });

  it('reads ahead one page of reviews for a product not known yet, not one per aliased page', async () => {
    const pages = 'r1: reviews(first: 1) { edges { node { id } } } r2: reviews(first: 2) { edges { node { id } } } r3: reviews(first: 3) { edges { node { id } } }';
    const unknown = await gql(gateway, 'web', `{ product(id: "fx-none") { ${pages} } }`);
    expect(unknown.body).toMatchObject({ data: { product: null } });
    // A null product costs its own point: one page read ahead for it, not three.
    expect(costOf(unknown).actualQueryCost).toBe(1);
    expect(calls(/^\/reviews$/)).toBe(1);

    upstream.requests.length = 0;
    const known = await gql<{ product: Record<string, { edges: unknown[] }> }>(gateway, 'web', `{ product(id: "fx-p1") { ${pages} } }`);
    expect(known.body.errors).toBeUndefined();
    expect([1, 2, 3].map((n) => known.body.data!.product[`r${n}`]!.edges.length)).toEqual([1, 2, 3]);
    expect(calls(/^\/reviews$/)).toBe(3);
  });

  it('answers @skip/@include on fragment spreads as the spec does, and charges the reviews it read', async () => {
    const fragment = 'fragment R on Product { reviews(first: 5) { edges { node { id } } } }';
    const cases = [
      // The first spread is skipped, the second is not: the fragment's fields are in the answer.
      `{ product(id: "fx-p1") { id ...R @skip(if: true) ...R } } ${fragment}`,
      // Left out at one spread only: still in the answer where it is spread unconditionally.
      `{ a: product(id: "fx-p2") { id ...R @include(if: false) } product(id: "fx-p1") { id ...R } } ${fragment}`,
      `query($no: Boolean!) { product(id: "fx-p1") { id ... @include(if: $no) { ...R } ...R } } ${fragment}`,
    ];
    for (const query of cases) {
      upstream.requests.length = 0;
      const response = await gql<{ product: { reviews?: { edges: unknown[] } } }>(gateway, 'web', query, { no: false });
      expect(response.body.errors, query).toBeUndefined();
      expect(response.body.data!.product.reviews?.edges, query).toHaveLength(5);
      // 1 product, 1 connection, 5 × (edge + node): what was fetched is what is charged.
      const cost = costOf(response);
      expect(cost.actualQueryCost, query).toBe(cost.requestedQueryCost);
      expect(calls(/^\/reviews$/), query).toBe(1);
    }
  });

  it('answers a null sent for a defaulted variable where a value is needed with 400 BAD_USER_INPUT, not a 500', async () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ['web', 'query($id: ID = "fx-p1") { product(id: $id) { id } }', { id: null }],
      ['web', 'query($show: Boolean = true) { product(id: "fx-p1") { id reviews(first: 5) @include(if: $show) { edges { node { id } } } } }', { show: null }],
      ['web', 'query($hide: Boolean = false) { ...Q @skip(if: $hide) } fragment Q on Query { product(id: "fx-p1") { id } }', { hide: null }],
      ['mobile', 'mutation($id: ID = "fx-n1") { markNotificationRead(id: $id) { notification { id } } }', { id: null }],
    ];
    const writer = bearer(await tokenFor('fx-alice', { scope: 'notifications:write' }));
    for (const [audience, query, variables] of cases) {
      const response = await gql(gateway, audience as 'web' | 'mobile', query, variables, writer);
      expect(response.status, query).toBe(400);
      expect(response.body.errors?.map((e) => e.extensions?.['code']), query).toEqual(['BAD_USER_INPUT']);
      expect(response.body.errors?.[0]?.message, query).toMatch(/must not be null/);
    }
    expect(upstream.requests).toHaveLength(0);
  });
});
