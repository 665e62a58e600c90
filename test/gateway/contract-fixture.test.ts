import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { viewOfFixture } from '../helpers/expected.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { gql, startTestGateway } from '../helpers/gateway.js';
import { contractSuite } from './contract-suite.js';

contractSuite('an independent fixture upstream (shuffled batches, path prefixes)', async () => {
  const upstream = await startFixtureUpstream();
  const gateway = await startTestGateway({ upstreams: upstream.urls });
  return {
    gateway,
    view: viewOfFixture(upstream.data),
    userId: 'fx-alice',
    apiKey: 'demo-public-key-free',
    apiKeyTier: 'free',
    idOrder: 'lexicographic',
    close: async () => {
      await gateway.close();
      await upstream.close();
    },
  };
});

describe('The catalog over the fixture upstream (its known stock and categories)', () => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  beforeAll(async () => {
    upstream = await startFixtureUpstream();
    gateway = await startTestGateway({ upstreams: upstream.urls });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('gives stock levels at their boundaries: more than 10 HIGH, 1–10 LOW, else OUT_OF_STOCK', async () => {
    // fx-p5: 11, fx-p4: 10, fx-p6: 1, fx-p1: 0, fx-p12: no inventory row.
    const query = `{ a: product(id: "fx-p5") { stockLevel } b: product(id: "fx-p4") { stockLevel } c: product(id: "fx-p6") { stockLevel }
      d: product(id: "fx-p1") { stockLevel } e: product(id: "fx-p12") { stockLevel } }`;
    const { body } = await gql(gateway, 'web', query);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      a: { stockLevel: 'HIGH' },
      b: { stockLevel: 'LOW' },
      c: { stockLevel: 'LOW' },
      d: { stockLevel: 'OUT_OF_STOCK' },
      e: { stockLevel: 'OUT_OF_STOCK' },
    });
  });

  it('filters products by category and by a case-insensitive search of the name', async () => {
    type Page = { products: { edges: { node: { id: string } }[] } };
    const ids = (page: Page) => page.products.edges.map((e) => e.node.id).sort();
    const byCategory = await gql<Page>(gateway, 'web', '{ products(first: 50, categoryId: "fx-cat-home") { edges { node { id } } } }');
    expect(byCategory.body.errors).toBeUndefined();
    expect(ids(byCategory.body.data!)).toEqual(['fx-p10', 'fx-p12', 'fx-p2', 'fx-p4', 'fx-p6', 'fx-p8']);
    const bySearch = await gql<Page>(gateway, 'web', '{ products(first: 50, query: "aNvI") { edges { node { id } } } }');
    expect(bySearch.body.errors).toBeUndefined();
    expect(ids(bySearch.body.data!)).toEqual(['fx-p1']);
    const both = await gql<Page>(gateway, 'web', '{ products(first: 50, query: "e", categoryId: "fx-cat-tools") { edges { node { id } } } }');
    const expected = upstream.data.products.filter((p) => p.categoryId === 'fx-cat-tools' && p.name.toLowerCase().includes('e')).map((p) => p.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(both.body.data!)).toEqual(expected.sort());
  });
});
