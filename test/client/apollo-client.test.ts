import {
  ApolloClient,
  ApolloLink,
  HttpLink,
  InMemoryCache,
  from,
  gql,
  type NormalizedCacheObject,
} from '@apollo/client/core';
import { relayStylePagination } from '@apollo/client/utilities';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Audience } from '../../src/context.js';
import type { Gateway } from '../../src/gateway.js';
import { bearer, gql as post, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { CATALOG, MOBILE_DASHBOARD, ORDER_HISTORY, PLACE_ORDER, PRODUCT_PAGE } from '../operations/contract.js';

/** What a client sees of each response besides its data: extensions and HTTP headers. */
interface Captured {
  operationName: string;
  extensions: Record<string, unknown> | undefined;
  headers: Headers | undefined;
}

/**
 * A link that records `response.extensions` and the HTTP headers of every
 * result: Apollo Client drops both from `client.query` results, so an app
 * that shows its remaining budget reads them this way.
 */
function captureLink(into: Captured[]): ApolloLink {
  return new ApolloLink((operation, forward) =>
    forward(operation).map((result) => {
      // HttpLink puts the fetch Response on the operation's context.
      const { response } = operation.getContext() as { response?: Response };
      into.push({ operationName: operation.operationName, extensions: result.extensions, headers: response?.headers });
      return result;
    }),
  );
}

function client(gateway: Gateway, audience: Audience, headers: Record<string, string>, captured: Captured[] = []) {
  return new ApolloClient<NormalizedCacheObject>({
    link: from([captureLink(captured), new HttpLink({ uri: `${gateway.url}/${audience}/graphql`, fetch, headers })]),
    cache: new InMemoryCache({
      // `orders` pages merge into one list, whatever `first`/`after` each page was asked with.
      typePolicies: { Viewer: { fields: { orders: relayStylePagination() } } },
    }),
  });
}

interface Named {
  id: string;
  name: string;
}
interface DashboardData {
  dashboard: { user: Named; recentOrders: { id: string }[]; unreadCount: number };
}
interface ProductPageData {
  product: Named & { inStock: boolean; stockLevel: string; reviews: { edges: unknown[] } };
}
interface CatalogData {
  products: { edges: { node: Named }[] };
}
interface PlaceOrderData {
  placeOrder: { order: { id: string; status: string; total: { amount: string; currency: string } } };
}
interface OrderHistoryData {
  me: {
    id: string;
    orders: { edges: { cursor: string; node: { id: string; lines: unknown[] } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  };
}

// Apollo Client 3.14.0 warns about its own internal `cache.diff({ canonizeResults })`
// on every query (apollographql/apollo-client#13057, fixed in 3.14.1). Its
// documented switch mutes deprecation notices only; this file uses no deprecated API.
(globalThis as Record<symbol, unknown>)[Symbol.for('apollo.deprecations')] = true;

describe('A real client: @apollo/client against the gateway and its demo services', () => {
  let gateway: Gateway;
  let userHeaders: Record<string, string>;
  const partnerHeaders = { 'x-api-key': 'demo-public-key-pro' };
  beforeAll(async () => {
    gateway = await startTestGateway();
    userHeaders = bearer(await tokenFor('u1', { tier: 'pro', scope: 'orders:write notifications:write' }));
  });
  afterAll(() => gateway?.close());

  it('runs MobileDashboard for u1', async () => {
    const { data, errors } = await client(gateway, 'mobile', userHeaders).query<DashboardData>({ query: gql(MOBILE_DASHBOARD) });
    expect(errors).toBeUndefined();
    expect(data.dashboard.user.id).toBe('u1');
    expect(data.dashboard.recentOrders).toHaveLength(5);
    expect(data.dashboard.unreadCount).toBe(6);
  });

  it('runs ProductPage for p1 and Catalog for a partner', async () => {
    const web = await client(gateway, 'web', userHeaders).query<ProductPageData>({ query: gql(PRODUCT_PAGE), variables: { id: 'p1' } });
    expect(web.data.product).toMatchObject({ id: 'p1', inStock: true, stockLevel: 'HIGH' });
    expect(web.data.product.reviews.edges).toHaveLength(3);
    const catalog = await client(gateway, 'public', partnerHeaders).query<CatalogData>({ query: gql(CATALOG), variables: { first: 5 } });
    expect(catalog.data.products.edges.map((e) => e.node.id)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it("pages OrderHistory with fetchMore through all 45 of u1's orders into one merged list", async () => {
    const apollo = client(gateway, 'web', userHeaders);
    const watched = apollo.watchQuery<OrderHistoryData>({ query: gql(ORDER_HISTORY), variables: { first: 10 } });
    // Watched, as an app's list view would be: each fetchMore page lands in the same cached list.
    let subscription: { unsubscribe(): void } | undefined;
    let data = await new Promise<OrderHistoryData>((resolve, reject) => {
      subscription = watched.subscribe({ next: (result) => resolve(result.data), error: reject });
    });
    let pages = 1;
    // Bounded: without the merge policy the watched list never grows and this would spin.
    while (data.me.orders.pageInfo.hasNextPage && pages < 10) {
      await watched.fetchMore({ variables: { after: data.me.orders.pageInfo.endCursor } });
      data = watched.getCurrentResult().data;
      pages += 1;
    }
    subscription?.unsubscribe();
    expect(pages).toBe(5);

    const all = await post<OrderHistoryData>(gateway, 'web', ORDER_HISTORY, { first: 100 }, userHeaders);
    const expected = all.body.data!.me.orders.edges.map((e) => e.node.id);
    expect(expected).toHaveLength(45);
    expect(data.me.orders.edges.map((e) => e.node.id)).toEqual(expected);
    expect(data.me.orders.pageInfo.hasNextPage).toBe(false);
    expect(data.me.orders.edges.every((e) => e.node.lines.length > 0)).toBe(true);
  });

  it('places an order with PlaceOrder, and the same idempotency key returns the same order', async () => {
    // u2, so that u1's 45 orders stay as the paging test counts them.
    const apollo = client(gateway, 'web', bearer(await tokenFor('u2', { scope: 'orders:write' })));
    const input = { idempotencyKey: 'apollo-client-0001', lines: [{ productId: 'p1', quantity: 2 }] };
    const first = await apollo.mutate<PlaceOrderData>({ mutation: gql(PLACE_ORDER), variables: { input } });
    const again = await apollo.mutate<PlaceOrderData>({ mutation: gql(PLACE_ORDER), variables: { input } });
    expect(first.data!.placeOrder.order).toMatchObject({ status: 'PENDING', total: { currency: 'USD' } });
    expect(again.data!.placeOrder.order.id).toBe(first.data!.placeOrder.order.id);
  });

  it('reads extensions.cost and the RateLimit headers of each response through a link', async () => {
    const captured: Captured[] = [];
    const apollo = client(gateway, 'public', partnerHeaders, captured);
    await apollo.query<CatalogData>({ query: gql(CATALOG), variables: { first: 5 } });
    expect(captured.map((c) => c.operationName)).toEqual(['Catalog']);
    const [{ extensions, headers }] = captured as [Captured];
    expect(extensions?.['cost']).toEqual({
      requestedQueryCost: expect.any(Number),
      actualQueryCost: expect.any(Number),
      throttleStatus: {
        maximumAvailable: expect.any(Number),
        currentlyAvailable: expect.any(Number),
        restoreRate: expect.any(Number),
      },
    });
    const cost = extensions!['cost'] as { requestedQueryCost: number; throttleStatus: { maximumAvailable: number; currentlyAvailable: number } };
    expect(cost.requestedQueryCost).toBeGreaterThan(0);
    expect(cost.throttleStatus.currentlyAvailable).toBeLessThan(cost.throttleStatus.maximumAvailable);
    for (const name of ['ratelimit-policy', 'ratelimit', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
      expect(headers?.get(name), name).toBeTruthy();
    }
  });
});

describe('A real client: what @apollo/client sees of a token refused, and of one that could not be checked', () => {
  // A gateway verifying RS256 tokens against a JWKS that nothing answers: an identity provider that is down.
  let gateway: Gateway;
  let token: string;
  beforeAll(async () => {
    const { privateKey } = await generateKeyPair('RS256');
    token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('u1').setExpirationTime('1h').sign(privateKey);
    gateway = await startTestGateway({ env: { JWT_SECRET: '', JWT_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json' } });
  });
  afterAll(() => gateway?.close());

  /** The ServerError Apollo Client rejects a query with when the answer is not a 2xx. */
  async function refusal(headers: Record<string, string>): Promise<{ statusCode: number; code: unknown; retryAfter: string | null }> {
    const failed = (await client(gateway, 'mobile', headers)
      .query({ query: gql(MOBILE_DASHBOARD) })
      .then(() => expect.unreachable('the query should have been refused'), (error: unknown) => error)) as {
      networkError: { statusCode: number; result: { errors: { extensions: { code: unknown } }[] }; response: Response } | null;
    };
    const { networkError } = failed;
    expect(networkError).not.toBeNull();
    return {
      statusCode: networkError!.statusCode,
      code: networkError!.result.errors[0]!.extensions.code,
      retryAfter: networkError!.response.headers.get('retry-after'),
    };
  }

  it('tells the two apart: 503 UPSTREAM_UNAVAILABLE with Retry-After (keep the user signed in), 401 UNAUTHENTICATED for a bad token', async () => {
    expect(await refusal(bearer(token))).toMatchObject({ statusCode: 503, code: 'UPSTREAM_UNAVAILABLE', retryAfter: expect.stringMatching(/^[1-5]$/) });
    expect(await refusal(bearer('not.a.token'))).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED', retryAfter: null });
  });
});
