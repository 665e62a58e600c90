import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureOverride, FixtureRequest } from '../helpers/fixture-upstream.js';
import { bearer, gql, tokenFor } from '../helpers/gateway.js';
import { MOBILE_DASHBOARD, ORDER_HISTORY } from '../operations/contract.js';
import { expectNothingLeaked, type FaultRig, SECRET, startFaultRig } from './gateway-faults.js';

let rig: FaultRig;
let alice: Record<string, string>;
beforeAll(async () => {
  // The rig's deadline, well above a loaded machine's latency: only the users fault may cause an error here.
  rig = await startFaultRig({ CIRCUIT_FAILURE_THRESHOLD: '1000' });
  alice = bearer(await tokenFor('fx-alice', { tier: 'pro' }));
});
afterEach(() => rig.reset());
afterAll(() => rig.close());

type Fault = (req: FixtureRequest) => void | FixtureOverride | Promise<void | FixtureOverride>;
const USERS_FAULTS: [string, Fault, string][] = [
  ['answers 500', () => ({ status: 500, body: SECRET }), 'UPSTREAM_UNAVAILABLE'],
  ['answers garbage', () => ({ status: 200, body: `<html>${SECRET}</html>`, headers: { 'content-type': 'text/html' } }), 'UPSTREAM_BAD_RESPONSE'],
  ['hangs', () => new Promise<void>(() => {}), 'UPSTREAM_TIMEOUT'],
];
const onUsers = (fault: Fault) => (req: FixtureRequest) => (req.service === 'users' && req.path !== '/health' ? fault(req) : undefined);

interface History {
  me: {
    id: string;
    name: string | null;
    orders: { edges: { node: { id: string; lines: { quantity: number; product: { id: string; name: string } | null }[] } }[] };
  } | null;
}

describe('The users service failing leaves everything that does not need it', () => {
  it.each(USERS_FAULTS)('users %s: OrderHistory returns every order with its lines and products; only me.name is null', async (_, fault, code) => {
    const full = await gql<History>(rig.gateway, 'web', ORDER_HISTORY, { first: 10 }, alice);
    expect(full.body.errors).toBeUndefined();

    rig.hook(onUsers(fault));
    const { status, body } = await gql<History>(rig.gateway, 'web', ORDER_HISTORY, { first: 10 }, alice);
    expect(status).toBe(200);
    expect(body.data!.me).toEqual({ ...full.body.data!.me, name: null });
    expect(body.data!.me!.orders.edges).toHaveLength(4);
    expect(body.data!.me!.orders.edges.every((e) => e.node.lines.every((l) => l.product !== null))).toBe(true);
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']])).toEqual([[['me', 'name'], code]]);
    expectNothingLeaked(body);
  });

  it.each(USERS_FAULTS)('users %s: MobileDashboard keeps recentOrders and unreadCount; only the profile fields are null', async (_, fault, code) => {
    const full = await gql(rig.gateway, 'mobile', MOBILE_DASHBOARD, {}, alice);
    expect(full.body.errors).toBeUndefined();

    rig.hook(onUsers(fault));
    const { status, body } = await gql<{ dashboard: Record<string, unknown> }>(rig.gateway, 'mobile', MOBILE_DASHBOARD, {}, alice);
    expect(status).toBe(200);
    const dashboard = (full.body.data as { dashboard: Record<string, unknown> }).dashboard;
    expect(body.data!.dashboard).toEqual({ ...dashboard, user: { id: 'fx-alice', name: null, avatarUrl: null } });
    expect(body.errors!.map((e) => [e.path, e.extensions!['code']]).sort()).toEqual([
      [['dashboard', 'user', 'avatarUrl'], code],
      [['dashboard', 'user', 'name'], code],
    ]);
  });

  it('asks the users service once for all of the viewer’s profile fields', async () => {
    const { body } = await gql(rig.gateway, 'web', '{ me { id name email avatarUrl tier createdAt } }', {}, alice);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      me: { id: 'fx-alice', name: 'Alice Fixture', email: expect.any(String), avatarUrl: expect.any(String), tier: 'pro', createdAt: expect.any(String) },
    });
    expect(rig.upstream.requests.filter((r) => r.service === 'users')).toHaveLength(1);
  });
});

describe('A viewer whose account no longer exists', () => {
  it('gets null profile fields without an error, not a null viewer, and still sees their orders', async () => {
    const ghost = bearer(await tokenFor('fx-ghost'));
    const web = await gql<History>(rig.gateway, 'web', ORDER_HISTORY, { first: 10 }, ghost);
    expect(web.body.errors).toBeUndefined();
    expect(web.body.data).toEqual({ me: { id: 'fx-ghost', name: null, orders: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } } } });
    const mobile = await gql(rig.gateway, 'mobile', MOBILE_DASHBOARD, {}, ghost);
    expect(mobile.body.errors).toBeUndefined();
    expect(mobile.body.data).toMatchObject({ dashboard: { user: { id: 'fx-ghost', name: null, avatarUrl: null }, recentOrders: [], unreadCount: 0 } });
  });
});
