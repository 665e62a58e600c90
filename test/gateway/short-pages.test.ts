/**
 * A backing service may answer fewer items than `limit` with a cursor to the
 * rest: `limit` is a bound, not a promise (CONTRACT.md, "Pages"). The
 * gateway's lists must not read a short page as the end of the list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { fixtureDataWithOrders } from '../helpers/fixture-data.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';
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
