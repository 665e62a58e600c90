/**
 * A backing service may answer fewer items than `limit` with a cursor to the
 * rest: `limit` is a bound, not a promise (CONTRACT.md, "Pages"). The
 * gateway's lists must not read a short page, nor an empty one, as the end of
 * the list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { defaultFixtureData, fixtureDataWithOrders } from '../helpers/fixture-data.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway, tokenFor, type GraphQLResponse } from '../helpers/gateway.js';
import { MOBILE_DASHBOARD } from '../operations/contract.js';

let upstream: FixtureUpstream;
let gateway: Gateway;
let alice: string;
beforeAll(async () => {
  const data = fixtureDataWithOrders({ userId: 'fx-alice', orders: 12, linesPerOrder: 1, distinctProducts: 4 });
  // Fifty notifications for alice, fx-s-n1 the newest: with pages of two, more than the scan's 20 calls read.
  for (let i = 1; i <= 50; i++) {
    const createdAt = new Date(Date.UTC(2026, 0, 1) - i * 60_000).toISOString();
    data.notifications.push({ id: `fx-s-n${i}`, userId: 'fx-alice', kind: 'promo', message: `Notice ${i}`, read: false, createdAt });
  }
  upstream = await startFixtureUpstream({ data, pageItems: 2 });
  gateway = await startTestGateway({ upstreams: upstream.urls });
  alice = await tokenFor('fx-alice', { scope: 'notifications:write' });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('Lists over a service that answers short pages', () => {
  // recentOrders was one call and a slice: two orders where the schema promises the five most recent.
  it("fills the dashboard's five recent orders from several pages", async () => {
    const { body } = await gql<{ dashboard: { recentOrders: { id: string }[] } }>(gateway, 'mobile', MOBILE_DASHBOARD, {}, bearer(alice));
    expect(body.errors).toBeUndefined();
    expect(body.data!.dashboard.recentOrders.map((o) => o.id)).toEqual(['fx-g-o1', 'fx-g-o2', 'fx-g-o3', 'fx-g-o4', 'fx-g-o5']);
    const calls = upstream.requests.filter((r) => r.service === 'orders' && r.query.get('userId') === 'fx-alice');
    expect(calls).toHaveLength(3);
  });

  // The ownership scan counted pages, not notifications: ten pages of two covered twenty, and the
  // viewer's own 26th notification was NOT_FOUND.
  it("finds the viewer's own notification deep in the list to mark it read", async () => {
    const mutation = 'mutation { markNotificationRead(id: "fx-s-n26") { notification { id read } } }';
    const { body } = await gql<{ markNotificationRead: { notification: { id: string; read: boolean } } }>(gateway, 'mobile', mutation, {}, bearer(alice));
    expect(body.errors).toBeUndefined();
    expect(body.data!.markNotificationRead.notification).toEqual({ id: 'fx-s-n26', read: true });
  });

  it("still answers NOT_FOUND for a notification that is not the viewer's, within a bounded number of calls", async () => {
    const before = upstream.requests.length;
    const { body } = await gql(gateway, 'mobile', 'mutation { markNotificationRead(id: "fx-n4") { notification { id } } }', {}, bearer(alice));
    expect(body.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
    const lists = upstream.requests.slice(before).filter((r) => r.service === 'notifications');
    expect(lists).toHaveLength(20);
    expect(lists.every((r) => r.method === 'GET')).toBe(true);
  });
});

describe('Lists over a service whose limit counts the rows it reads before filtering them', () => {
  let scanning: FixtureUpstream;
  let gw: Gateway;
  let reader: string;
  beforeAll(async () => {
    const data = defaultFixtureData();
    // Thirty read notifications for alice, the newest, then her three unread ones.
    data.notifications = data.notifications.filter((n) => n.userId !== 'fx-alice');
    for (let i = 1; i <= 33; i++) {
      const createdAt = new Date(Date.UTC(2026, 0, 1) - i * 60_000).toISOString();
      data.notifications.push({ id: `fx-f-n${i}`, userId: 'fx-alice', kind: 'promo', message: `Notice ${i}`, read: i <= 30, createdAt });
    }
    scanning = await startFixtureUpstream({ data, scanLimit: true });
    gw = await startTestGateway({ upstreams: scanning.urls });
    reader = await tokenFor('fx-alice');
  });
  afterAll(async () => {
    await gw.close();
    await scanning.close();
  });

  type Connection = { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

  // Pages that hold no unread one came back as `edges: []`, `hasNextPage: true` and `endCursor: null`:
  // a connection no client could go on with, so the unread notifications were out of reach.
  it('reaches items behind pages that hold none of them, through endCursor', async () => {
    const query = 'query($after: String) { notifications(first: 5, after: $after, unreadOnly: true) { edges { node { id } } pageInfo { hasNextPage endCursor } } }';
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 15; page++) {
      const response: GraphQLResponse<{ notifications: Connection }> = await gql(gw, 'mobile', query, { after }, bearer(reader));
      expect(response.body.errors).toBeUndefined();
      const { edges, pageInfo } = response.body.data!.notifications;
      seen.push(...edges.map((e) => e.node.id));
      if (!pageInfo.hasNextPage) break;
      expect(pageInfo.endCursor).not.toBeNull();
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(['fx-f-n31', 'fx-f-n32', 'fx-f-n33']);
  });

  // After an edge in the middle of a page, the page is read again with a smaller limit, which here holds
  // fewer items than the edge's place in it: the gateway went on from that short page's end and answered
  // items before the edge again, the edge itself included.
  it('continues after every edge of a filtered page without repeating items', async () => {
    const query = 'query($first: Int!, $after: String) { products(first: $first, after: $after, categoryId: "fx-cat-home") { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }';
    const home = [...scanning.data.products].filter((p) => p.categoryId === 'fx-cat-home').map((p) => p.id).sort();
    const { body } = await gql<{ products: Connection }>(gw, 'web', query, { first: 10 });
    expect(body.errors).toBeUndefined();
    const edges = body.data!.products.edges;
    expect(edges.map((e) => e.node.id)).toEqual(home);
    for (const [i, edge] of edges.entries()) {
      // The next item, as a client reads it: a page may come back empty with a cursor to go on from.
      let after: string | null = edge.cursor;
      let found: string[] = [];
      for (let page = 0; page < 5 && after !== null && found.length === 0; page++) {
        const next: GraphQLResponse<{ products: Connection }> = await gql(gw, 'web', query, { first: 1, after });
        expect(next.body.errors).toBeUndefined();
        found = next.body.data!.products.edges.map((e) => e.node.id);
        after = next.body.data!.products.pageInfo.hasNextPage ? next.body.data!.products.pageInfo.endCursor : null;
      }
      expect(found).toEqual(home.slice(i + 1, i + 2));
    }
  });
});
