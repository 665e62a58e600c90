/**
 * The contract's required operations, run against a gateway in front of some
 * contract-honouring upstream, with every answer compared to the data that
 * upstream holds. Used once with the demo services and once with the
 * independent fixture upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product, Tier } from '../../clients/index.js';
import type { Gateway } from '../../src/gateway.js';
import {
  expectedCatalogNode,
  expectedDashboard,
  expectedOrderNode,
  expectedProductPage,
  ordersOf,
  productsById,
  type UpstreamView,
} from '../helpers/expected.js';
import { bearer, gql, tokenFor, type GraphQLResponse } from '../helpers/gateway.js';
import { CATALOG, MOBILE_DASHBOARD, ORDER_HISTORY, PRODUCT_PAGE } from '../operations/contract.js';

export interface SuiteSetup {
  gateway: Gateway;
  view: UpstreamView;
  /** A user with several orders and notifications. */
  userId: string;
  /** A public API key with `catalog:read`, and its tier. */
  apiKey: string;
  apiKeyTier: Tier;
  /** How this upstream orders ids in product lists. */
  idOrder: 'natural' | 'lexicographic';
  close(): Promise<void>;
}

type Edges<T> = { edges: { cursor: string; node: T }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

function pick(view: UpstreamView, test: (p: Product) => boolean, what: string): Product {
  const found = productsById(view).find(test);
  if (!found) throw new Error(`the upstream data has no product that is ${what}`);
  return found;
}

export function contractSuite(label: string, start: () => Promise<SuiteSetup>): void {
  describe(`Contract operations against ${label}`, () => {
    let s: SuiteSetup;
    let token: string;
    beforeAll(async () => {
      s = await start();
      token = await tokenFor(s.userId, { tier: 'pro' });
    });
    afterAll(() => s?.close());

    it('answers MobileDashboard with the profile thumbnail, the five newest orders and the unread count', async () => {
      const { status, body } = await gql(s.gateway, 'mobile', MOBILE_DASHBOARD, {}, bearer(token));
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({ dashboard: expectedDashboard(s.view, s.userId) });
    });

    const stockCases: [string, (v: UpstreamView) => (p: Product) => boolean][] = [
      ['well stocked (HIGH)', (v) => (p) => (v.stock.find((r) => r.productId === p.id)?.quantity ?? 0) > 10],
      ['low on stock (LOW)', (v) => (p) => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].includes(v.stock.find((r) => r.productId === p.id)?.quantity ?? 0)],
      ['out of stock with a row', (v) => (p) => v.stock.find((r) => r.productId === p.id)?.quantity === 0],
      ['without an inventory row', (v) => (p) => !v.stock.some((r) => r.productId === p.id)],
      ['without reviews', (v) => (p) => !v.reviews.some((r) => r.productId === p.id)],
    ];
    for (const [what, test] of stockCases) {
      it(`answers ProductPage for a product ${what}, priced for the viewer's tier`, async () => {
        const product = pick(s.view, test(s.view), what);
        const { body } = await gql<{ product: Record<string, unknown> & { reviews: Edges<unknown> } }>(
          s.gateway,
          'web',
          PRODUCT_PAGE,
          { id: product.id },
          bearer(token),
        );
        expect(body.errors).toBeUndefined();
        const { reviews, rating, ...rest } = body.data!.product;
        const { rating: expectedRating, ...expected } = expectedProductPage(s.view, product.id, 'pro');
        expect(rest).toEqual(expected);
        if (expectedRating === null) expect(rating).toBeNull();
        else expect(Math.abs((rating as number) - expectedRating)).toBeLessThanOrEqual(0.05 + 1e-9);
        const newest = s.view.reviews
          .filter((r) => r.productId === product.id)
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
          .slice(0, 3);
        expect(reviews.edges.map((e) => e.node)).toEqual(
          newest.map((r) => {
            const author = s.view.users.find((u) => u.id === r.userId);
            return { id: r.id, rating: r.rating, title: r.title, author: author ? { id: author.id, name: author.name } : null };
          }),
        );
        expect(reviews.pageInfo.hasNextPage).toBe(s.view.reviews.filter((r) => r.productId === product.id).length > 3);
      });
    }

    it('prices ProductPage at the free tier for an anonymous visitor', async () => {
      const product = productsById(s.view)[0]!;
      const { body } = await gql<{ product: { price: unknown } }>(s.gateway, 'web', PRODUCT_PAGE, { id: product.id });
      expect(body.data!.product.price).toEqual(expectedProductPage(s.view, product.id, 'free').price);
    });

    it('answers null without an error for an unknown product id', async () => {
      const { body } = await gql(s.gateway, 'web', PRODUCT_PAGE, { id: 'no-such-product' });
      expect(body.data).toEqual({ product: null });
      expect(body.errors).toBeUndefined();
    });

    it('pages through the whole OrderHistory with cursors, newest first, every line priced as ordered', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 50; guard++) {
        const response: GraphQLResponse<{ me: { id: string; orders: Edges<{ id: string }> } }> = await gql(
          s.gateway,
          'web',
          ORDER_HISTORY,
          { first: 3, after },
          bearer(token),
        );
        expect(response.body.errors).toBeUndefined();
        const orders: Edges<{ id: string }> = response.body.data!.me.orders;
        for (const { node } of orders.edges) {
          const order = s.view.orders.find((o) => o.id === node.id)!;
          expect(node).toEqual(expectedOrderNode(s.view, order));
          seen.push(node.id);
        }
        if (!orders.pageInfo.hasNextPage) break;
        after = orders.pageInfo.endCursor;
      }
      expect(seen).toEqual(ordersOf(s.view, s.userId).map((o) => o.id));
    });

    it('continues after any edge, not only the last one', async () => {
      const first = await gql<{ me: { orders: Edges<{ id: string }> } }>(s.gateway, 'web', ORDER_HISTORY, { first: 3 }, bearer(token));
      const middle = first.body.data!.me.orders.edges[1]!;
      const next = await gql<{ me: { orders: Edges<{ id: string }> } }>(
        s.gateway,
        'web',
        ORDER_HISTORY,
        { first: 2, after: middle.cursor },
        bearer(token),
      );
      const all = ordersOf(s.view, s.userId).map((o) => o.id);
      expect(next.body.data!.me.orders.edges.map((e) => e.node.id)).toEqual(all.slice(2, 4));
    });

    it('pages through the whole public Catalog in id order at the key tier', async () => {
      const seen: unknown[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 20; guard++) {
        const { body }: { body: { data?: { products: Edges<unknown> } | null; errors?: unknown } } = await gql(
          s.gateway,
          'public',
          CATALOG,
          { first: 50, after },
          { 'x-api-key': s.apiKey },
        );
        expect(body.errors).toBeUndefined();
        seen.push(...body.data!.products.edges.map((e) => e.node));
        if (!body.data!.products.pageInfo.hasNextPage) break;
        after = body.data!.products.pageInfo.endCursor;
      }
      const expected = productsById(s.view, s.idOrder).map((p) => expectedCatalogNode(s.view, p, s.apiKeyTier));
      expect(seen.map((n) => ({ ...(n as object), rating: null }))).toEqual(expected.map((n) => ({ ...n, rating: null })));
      seen.forEach((node, i) => {
        const want = expected[i]!.rating;
        const got = (node as { rating: number | null }).rating;
        if (want === null) expect(got).toBeNull();
        else expect(Math.abs(got! - want)).toBeLessThanOrEqual(0.05 + 1e-9);
      });
    });
  });
}
