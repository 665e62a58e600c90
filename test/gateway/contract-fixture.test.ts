import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { viewOfFixture } from '../helpers/expected.js';
import { defaultFixtureData, startFixtureUpstream, withAwkwardIds, type FixtureOptions, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { startWireProxy, type WireOptions, type WireProxy } from '../helpers/wire-proxy.js';
import { PLACE_ORDER } from '../operations/contract.js';
import { contractSuite, type SuiteSetup } from './contract-suite.js';

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

/** The fixture (with `fixture` options) behind the wire proxy (with `wire` options), and a gateway over the proxy. */
async function behindWire(fixture: FixtureOptions, wire: WireOptions, userId = 'fx-alice'): Promise<SuiteSetup> {
  const upstream = await startFixtureUpstream(fixture);
  const proxy = await startWireProxy(upstream.urls, wire);
  const gateway = await startTestGateway({ upstreams: proxy.urls });
  return {
    gateway,
    view: viewOfFixture(upstream.data),
    userId,
    apiKey: 'demo-public-key-pro',
    apiKeyTier: 'pro',
    idOrder: 'lexicographic',
    close: async () => {
      await gateway.close();
      await proxy.close();
      await upstream.close();
    },
  };
}

contractSuite('services that frame their answers otherwise (HTTP/1.0, chunks, Connection: close, a body ended by the connection), with a vendor JSON type, unknown fields, ids and cursors that need encoding, short pages', () =>
  behindWire(
    {
      data: withAwkwardIds(defaultFixtureData()),
      pageItems: 3,
      cursor: (() => {
        let issued = 0;
        return () => `${(issued += 1)}&cursor=x#y?q=%41+/= ü😀`;
      })(),
    },
    {
      framing: { users: 'http10', orders: 'chunked', products: 'close', inventory: 'eof', reviews: 'drop', pricing: 'chunked', notifications: 'length' },
      contentType: 'application/vnd.fixture.v2+json; charset=utf-8',
      extraFields: true,
    },
    'fx-alice/ü+%?#&=;😀',
  ),
);

// A serialiser set to skip nulls (Jackson NON_NULL, .NET WhenWritingNull, Go omitempty on a pointer) leaves
// `nextCursor` out of every last page: each was UPSTREAM_BAD_RESPONSE, so every list failed at its end.
contractSuite('services whose serialiser leaves out null fields (no nextCursor on a last page)', () => behindWire({}, { omitNulls: true }));

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

describe('Mutations over services that frame their answers otherwise, with ids that need encoding', () => {
  let upstream: FixtureUpstream;
  let proxy: WireProxy;
  let gateway: Gateway;
  let writer: string;
  beforeAll(async () => {
    upstream = await startFixtureUpstream({ data: withAwkwardIds(defaultFixtureData()) });
    proxy = await startWireProxy(upstream.urls, { framing: { orders: 'drop', notifications: 'http10' }, extraFields: true });
    gateway = await startTestGateway({ upstreams: proxy.urls });
    writer = await tokenFor('fx-alice/ü+%?#&=;😀', { scope: 'orders:write notifications:write' });
  });
  afterAll(async () => {
    await gateway.close();
    await proxy.close();
    await upstream.close();
  });

  it('places an order once per key, answers the same order for the same key and CONFLICT for other lines', async () => {
    const [p1, p2] = ['fx-p1/ ü+%?#&=;😀', 'fx-p2/ ü+%?#&=;😀'];
    const input = { idempotencyKey: 'checkout-0001', lines: [{ productId: p1, quantity: 2 }] };
    type Placed = { placeOrder: { order: { id: string; status: string; total: { amount: string; currency: string } } } };
    const first = await gql<Placed>(gateway, 'web', PLACE_ORDER, { input }, bearer(writer));
    expect(first.body.errors).toBeUndefined();
    const placed = upstream.data.orders.find((o) => o.id === first.body.data!.placeOrder.order.id)!;
    expect(placed.lines).toEqual([{ productId: p1, quantity: 2, unitPrice: expect.anything() }]);
    expect(first.body.data!.placeOrder.order).toEqual({ id: placed.id, status: 'PENDING', total: { amount: (placed.total.amountMinor / 100).toFixed(2), currency: 'USD' } });
    const again = await gql<Placed>(gateway, 'web', PLACE_ORDER, { input }, bearer(writer));
    expect(again.body.data!.placeOrder.order.id).toBe(placed.id);
    const other = await gql(gateway, 'web', PLACE_ORDER, { input: { ...input, lines: [{ productId: p2, quantity: 1 }] } }, bearer(writer));
    expect(other.body.errors?.[0]?.extensions?.['code']).toBe('CONFLICT');
    expect(upstream.requests.filter((r) => r.method === 'POST' && r.service === 'orders')).toHaveLength(3);
  });

  it("marks the viewer's notification read", async () => {
    const id = 'fx-n1/ ü+%?#&=;😀';
    const mutation = 'mutation($id: ID!) { markNotificationRead(id: $id) { notification { id read } } }';
    const { body } = await gql(gateway, 'mobile', mutation, { id }, bearer(writer));
    expect(body).toMatchObject({ data: { markNotificationRead: { notification: { id, read: true } } } });
    expect(body.errors).toBeUndefined();
    expect(upstream.data.notifications.find((n) => n.id === id)!.read).toBe(true);
  });
});
