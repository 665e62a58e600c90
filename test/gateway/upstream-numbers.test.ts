/**
 * A service may send any JSON number; the schemas' `Int` is 32-bit. A count
 * past it made graphql-js throw while serialising, which left the field null
 * with INTERNAL_SERVER_ERROR, a code the contract keeps for the gateway's own
 * faults. It is the service's answer that cannot be used: UPSTREAM_BAD_RESPONSE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { gql, startTestGateway } from '../helpers/gateway.js';

let upstream: FixtureUpstream;
let gateway: Gateway;
beforeAll(async () => {
  upstream = await startFixtureUpstream({
    onRequest: (req) => {
      if (req.service === 'reviews' && req.path === '/reviews/summary') {
        return { status: 200, body: JSON.stringify({ items: [{ productId: 'fx-p1', averageRating: 4.5, count: 3_000_000_000 }] }) };
      }
      // A review whose rating is not a whole 1-5: the schemas' Review.rating is an Int.
      if (req.service === 'reviews' && req.path === '/reviews') {
        const review = { id: 'fx-half', productId: 'fx-p1', userId: 'fx-bob', rating: 4.5, title: 'Half', body: 'Half a star off.', createdAt: '2026-01-01T00:00:00.000Z' };
        return { status: 200, body: JSON.stringify({ items: [review], nextCursor: null }) };
      }
      return undefined;
    },
  });
  gateway = await startTestGateway({ upstreams: upstream.urls });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('Numbers from a service that a schema Int cannot carry', () => {
  it('fails a review list holding a rating that is not a whole 1-5 with UPSTREAM_BAD_RESPONSE', async () => {
    const { body } = await gql<{ product: { id: string; reviews: unknown } }>(
      gateway,
      'web',
      '{ product(id: "fx-p1") { id reviews(first: 3) { edges { node { id rating } } } } }',
    );
    expect(body.data?.product).toMatchObject({ id: 'fx-p1', reviews: null });
    expect(body.errors?.map((e) => [e.path?.join('.'), e.extensions?.['code']])).toEqual([['product.reviews', 'UPSTREAM_BAD_RESPONSE']]);
  });

  it('nulls the count with UPSTREAM_BAD_RESPONSE and returns the rest of the product', async () => {
    const { body } = await gql<{ product: { id: string; name: string; reviewCount: number | null } }>(
      gateway,
      'web',
      '{ product(id: "fx-p1") { id name reviewCount } }',
    );
    expect(body.data?.product).toMatchObject({ id: 'fx-p1', name: 'Fx Anvil' });
    expect(body.data?.product.reviewCount ?? null).toBeNull();
    expect(body.errors?.map((e) => e.extensions?.['code'])).toContain('UPSTREAM_BAD_RESPONSE');
    expect(body.errors?.map((e) => e.extensions?.['code'])).not.toContain('INTERNAL_SERVER_ERROR');
  });
});
