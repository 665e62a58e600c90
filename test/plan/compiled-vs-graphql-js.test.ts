import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/auth/api-keys.js';
import type { Audience } from '../../src/context.js';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureOverride, type FixtureRequest, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { tempFile } from '../helpers/temp-file.js';
import { CATALOG, MOBILE_DASHBOARD, ORDER_HISTORY, PLACE_ORDER, PRODUCT_PAGE } from '../operations/contract.js';

const PARTNER = { 'x-api-key': 'plan-partner-key-0123456789abcdef' };

let upstream: FixtureUpstream;
let compiled: Gateway;
let reference: Gateway;
let alice: Record<string, string>;
let fault: ((req: FixtureRequest) => FixtureOverride | void) | null = null;

beforeAll(async () => {
  upstream = await startFixtureUpstream({ onRequest: (req) => fault?.(req) });
  const keys = tempFile('keys.json', [{ consumer: 'partner', tier: 'pro', scopes: ['catalog:read'], sha256: hashApiKey(PARTNER['x-api-key']) }]);
  // Production: what ships (no stack traces, which differ between any two engines by construction).
  const env = { NODE_ENV: 'production', API_KEYS_FILE: keys, TRUSTED_DOCUMENTS: 'mobile=off,web=off' };
  compiled = await startTestGateway({ upstreams: upstream.urls, env: { ...env, GRAPHQL_EXECUTOR: 'jit' } });
  reference = await startTestGateway({ upstreams: upstream.urls, env: { ...env, GRAPHQL_EXECUTOR: 'graphql-js' } });
  alice = bearer(await tokenFor('fx-alice', { scope: 'orders:write', tier: 'pro' }));
});
afterAll(async () => {
  await Promise.all([compiled.close(), reference.close()]);
  await upstream.close();
});
beforeEach(() => {
  fault = null;
});

/** The raw response: status and body text, with the one clock-dependent figure (budget refilled since) fixed. */
async function raw(gateway: Gateway, audience: Audience, query: string, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await fetch(`${gateway.url}/${audience}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = (await response.text()).replace(/"currentlyAvailable":\d+/, '"currentlyAvailable":0');
  return { status: response.status, text };
}

async function expectSameAnswer(audience: Audience, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const jit = await raw(compiled, audience, query, variables, headers);
  const js = await raw(reference, audience, query, variables, headers);
  expect(jit.text).toBe(js.text);
  expect(jit.status).toBe(js.status);
  return JSON.parse(jit.text) as { data?: unknown; errors?: { path?: unknown[]; extensions?: { code?: string } }[] };
}

describe('Compiled plans answer byte for byte what graphql-js answers', () => {
  it('for every contract operation', async () => {
    expect((await expectSameAnswer('mobile', MOBILE_DASHBOARD, {}, alice)).errors).toBeUndefined();
    expect((await expectSameAnswer('web', PRODUCT_PAGE, { id: 'fx-p1' }, alice)).errors).toBeUndefined();
    expect((await expectSameAnswer('web', PRODUCT_PAGE, { id: 'fx-p2' })).errors).toBeUndefined();
    expect((await expectSameAnswer('web', ORDER_HISTORY, { first: 5 }, alice)).errors).toBeUndefined();
    expect((await expectSameAnswer('public', CATALOG, { first: 5 }, PARTNER)).errors).toBeUndefined();
    // And the two really ran on different engines.
    const plans = async (gateway: Gateway) => (await gateway.metrics.render()).body.split('\n').filter((l) => l.startsWith('bff_operation_plans_total{') && !l.endsWith(' 0'));
    expect((await plans(compiled)).some((l) => l.includes('audience="public",executor="jit"'))).toBe(true);
    expect(await plans(reference)).not.toEqual([]);
    expect((await plans(reference)).every((l) => l.includes('executor="graphql-js",reason="configured"'))).toBe(true);
  });

  it('for an operation with a failing upstream (partial data, the error at its path)', async () => {
    fault = (req) => (req.service === 'reviews' ? { status: 500, body: '{}' } : undefined);
    const body = await expectSameAnswer('web', PRODUCT_PAGE, { id: 'fx-p3' }, alice);
    expect(body.errors?.map((e) => e.extensions?.code)).toContain('UPSTREAM_UNAVAILABLE');
    expect(body.data).not.toBeNull();
  });

  it('for a permission denial', async () => {
    const bobs = upstream.data.orders.find((o) => o.userId === 'fx-bob')!;
    const body = await expectSameAnswer('web', `query($id: ID!) { order(id: $id) { id status } }`, { id: bobs.id }, alice);
    expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['order'], 'FORBIDDEN']]);
    const anonymous = await expectSameAnswer('mobile', MOBILE_DASHBOARD);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('for an unknown id (null, no error)', async () => {
    const body = await expectSameAnswer('web', PRODUCT_PAGE, { id: 'fx-unknown' }, alice);
    expect(body).toMatchObject({ data: { product: null } });
    expect(body.errors).toBeUndefined();
  });

  it('for variables that do not coerce, `first` out of range, and a mutation refused for its input', async () => {
    const wrongType = await expectSameAnswer('web', ORDER_HISTORY, { first: 'twenty' }, alice);
    expect(wrongType.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const outOfRange = await expectSameAnswer('web', ORDER_HISTORY, { first: 500 }, alice);
    expect(outOfRange.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badInput = await expectSameAnswer('web', PLACE_ORDER, { input: { idempotencyKey: 'k', lines: [{ productId: 'fx-p1', quantity: 'one' }] } }, alice);
    expect(badInput.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
