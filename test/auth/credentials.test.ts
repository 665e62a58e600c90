import { randomUUID } from 'node:crypto';
import { generateKeyPair, jwtVerify, SignJWT, exportJWK, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { bearer, captureLogs, gql, startTestGateway, TEST_JWT_SECRET, tokenFor } from '../helpers/gateway.js';
import { CATALOG, MOBILE_DASHBOARD, PRODUCT_PAGE } from '../operations/contract.js';

let gateway: Gateway;
/** The gateway's log lines: a rejected credential is logged with its reason, which tells which check refused it. */
const logs = captureLogs();
beforeAll(async () => {
  gateway = await startTestGateway({ env: { LOG_LEVEL: 'info' }, logDestination: logs.destination });
});
afterAll(() => gateway.close());

async function expectRejected(token: string) {
  const response = await gql(gateway, 'mobile', MOBILE_DASHBOARD, {}, bearer(token));
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(response.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  // Which credential failed and what to do; why it failed is only in the log.
  expect(response.body.errors![0]!.message).toBe('Invalid or expired bearer token: sign in again for a new one.');
  expect(JSON.stringify(response.body)).not.toContain(token);
}

describe('Credentials → consumer', () => {
  it('answers a viewer field without a token with null and UNAUTHENTICATED', async () => {
    const { status, body } = await gql(gateway, 'mobile', MOBILE_DASHBOARD);
    expect(status).toBe(200);
    expect(body.data).toEqual({ dashboard: null });
    expect(body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(body.errors![0]!.path).toEqual(['dashboard']);
  });

  it('serves catalog fields on web to anonymous visitors', async () => {
    const { body } = await gql(gateway, 'web', '{ product(id: "p1") { id } }');
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ product: { id: 'p1' } });
  });

  // Apollo Client's documented auth link sends `authorization: token ? \`Bearer ${token}\` : ""`, on the server
  // rendering a page as in the browser: a visitor who is not signed in was a 401 on every page.
  it('serves a request whose Authorization header is empty as anonymous, as it serves one without the header', async () => {
    const page = await gql(gateway, 'web', PRODUCT_PAGE, { id: 'p1' }, { authorization: '' });
    expect(page.status).toBe(200);
    expect(page.body.errors).toBeUndefined();
    expect(page.body.data).toMatchObject({ product: { id: 'p1', price: { currency: 'USD' } } });
    const viewer = await gql(gateway, 'mobile', MOBILE_DASHBOARD, {}, { authorization: '' });
    expect(viewer.status).toBe(200);
    expect(viewer.body.data).toEqual({ dashboard: null });
    expect(viewer.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    // A scheme without its token is still a credential that does not verify.
    expect((await gql(gateway, 'web', PRODUCT_PAGE, { id: 'p1' }, { authorization: 'Bearer' })).status).toBe(401);
  });

  it('rejects garbage, a wrong-secret token, an expired token and `alg: none` with 401', async () => {
    await expectRejected('not-a-jwt');
    await expectRejected(await tokenFor('u1', {}, 'another-secret-that-is-long-enough-for-hs256'));
    await expectRejected(await tokenFor('u1', { expiresIn: '-5m' }));
    await expectRejected(new UnsecuredJWT({ sub: 'u1' }).setExpirationTime('1h').encode());
  });

  it('rejects an RS256 token when the gateway holds an HS256 secret (algorithms pinned)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('u1').setExpirationTime('1h').sign(privateKey);
    await expectRejected(token);
  });

  it('rejects a token carrying its own key (`jwk`) on an HS256 gateway (JWKS cases: jwks.test.ts)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const embedded = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', jwk: await exportJWK(publicKey) })
      .setSubject('u1')
      .setExpirationTime('1h')
      .sign(privateKey);
    await expectRejected(embedded);
  });

  it('reads the Bearer scheme in any letter case (RFC 9110 11.1), with any number of spaces before the token', async () => {
    const token = await tokenFor('u1');
    for (const authorization of [`bearer ${token}`, `BEARER ${token}`, `Bearer   ${token}`]) {
      const { status, body } = await gql(gateway, 'mobile', MOBILE_DASHBOARD, {}, { authorization });
      expect(status, authorization.slice(0, 9)).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data).toMatchObject({ dashboard: { user: { id: 'u1' } } });
    }
    expect((await gql(gateway, 'mobile', MOBILE_DASHBOARD, {}, { authorization: `Basic ${token}` })).status).toBe(401);
  });

  it('prices and budgets a token without a `tier` claim as free', async () => {
    const query = '{ product(id: "p1") { price { amount currency } } }';
    const untiered = await gql(gateway, 'web', query, {}, bearer(await tokenFor('tier-absent')));
    const free = await gql(gateway, 'web', query, {}, bearer(await tokenFor('tier-free', { tier: 'free' })));
    const pro = await gql(gateway, 'web', query, {}, bearer(await tokenFor('tier-pro', { tier: 'pro' })));
    // p1's price differs between free and pro, so the price tells which tier was applied.
    expect(pro.body.data).not.toEqual(free.body.data);
    expect(untiered.body.errors).toBeUndefined();
    expect(untiered.body.data).toEqual(free.body.data);
    const capacity = (response: typeof free) => (response.body.extensions!['cost'] as { throttleStatus: { maximumAvailable: number } }).throttleStatus.maximumAvailable;
    expect(capacity(pro)).toBeGreaterThan(capacity(free));
    expect(capacity(untiered)).toBe(capacity(free));
  });

  it('rejects an unknown tier claim and a token over 8 KB', async () => {
    await expectRejected(await tokenFor('u1', { tier: 'platinum' }));
    await expectRejected(await tokenFor('u1', { scope: 'x'.repeat(9000) }));
  });

  it('answers a 9 KB Authorization header holding a correctly signed token with 401, refused on its size before any signature check', async () => {
    // Signed with the gateway's own secret: only its size can make it unacceptable.
    const oversized = await tokenFor('u1', { scope: 'x'.repeat(6_700) });
    const header = `Bearer ${oversized}`;
    expect(header.length).toBeGreaterThan(9_000); // "9 KB": over the 8 KB token limit, under Node's 16 KB header limit (431)
    expect(header.length).toBeLessThan(10_000);
    await expect(jwtVerify(oversized, new TextEncoder().encode(TEST_JWT_SECRET), { algorithms: ['HS256'] })).resolves.toBeDefined();

    /** Sends the token; expects 401 UNAUTHENTICATED; returns the reason the gateway logged for that request. */
    const rejectionReason = async (token: string) => {
      const correlationId = `oversized-${randomUUID()}`;
      const response = await gql(gateway, 'mobile', MOBILE_DASHBOARD, {}, { ...bearer(token), 'x-correlation-id': correlationId });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(response.body.data).toBeUndefined();
      expect(response.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(response.body)).not.toContain(token);
      const rejections = logs.lines
        .map((line) => JSON.parse(line) as { msg?: string; correlationId?: string; reason?: string })
        .filter((line) => line.msg === 'credentials rejected' && line.correlationId === correlationId);
      expect(rejections).toHaveLength(1);
      return rejections[0]!.reason;
    };
    // A good signature cannot save it, and a bad one is never looked at: both are refused by the size check
    // (a verification failure would be logged with jose's code, e.g. ERR_JWS_SIGNATURE_VERIFICATION_FAILED).
    expect(await rejectionReason(oversized)).toMatch(/too large/);
    const forged = await tokenFor('u1', { scope: 'x'.repeat(6_700) }, 'another-secret-that-is-long-enough-for-hs256');
    expect(forged.length).toBe(oversized.length);
    expect(await rejectionReason(forged)).toMatch(/too large/);

    // The same token under the limit is accepted: the refusal above was for its size alone.
    const underTheLimit = await tokenFor('u1', { scope: 'x'.repeat(5_000) });
    expect(underTheLimit.length).toBeLessThan(8_192);
    const accepted = await gql(gateway, 'mobile', MOBILE_DASHBOARD, {}, bearer(underTheLimit));
    expect(accepted.status).toBe(200);
    expect(accepted.body.errors).toBeUndefined();
    expect(accepted.body.data!['dashboard']).not.toBeNull();
  });

  it('answers a 20 KB Authorization header with 431', async () => {
    const response = await fetch(`${gateway.url}/mobile/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${'a'.repeat(20_000)}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.status).toBe(431);
  });

  it('rejects an unknown API key with 401 and a key without `catalog:read` with FORBIDDEN', async () => {
    const unknown = await gql(gateway, 'public', CATALOG, { first: 1 }, { 'x-api-key': 'no-such-key' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(unknown.body.errors![0]!.message).toBe('Unknown API key: check the X-API-Key header, or ask your API contact for a key.');
    const noScope = await gql(gateway, 'public', CATALOG, { first: 1 }, { 'x-api-key': 'demo-public-key-noscope' });
    expect(noScope.body.data).toEqual({ products: null });
    expect(noScope.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const none = await gql(gateway, 'public', CATALOG, { first: 1 });
    expect(none.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it("answers FORBIDDEN for another user's order and null for an unknown one", async () => {
    const data = gateway.demo!.data;
    const someoneElses = data.orders.find((o) => o.userId !== 'u1')!;
    const token = await tokenFor('u1');
    const other = await gql(gateway, 'web', `query($id: ID!) { order(id: $id) { id } }`, { id: someoneElses.id }, bearer(token));
    expect(other.body.data).toEqual({ order: null });
    expect(other.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const own = data.orders.find((o) => o.userId === 'u1')!;
    const mine = await gql(gateway, 'mobile', `query($id: ID!) { order(id: $id) { id itemCount } }`, { id: own.id }, bearer(token));
    expect(mine.body.data).toEqual({ order: { id: own.id, itemCount: own.lines.reduce((n, l) => n + l.quantity, 0) } });
    const unknown = await gql(gateway, 'web', `{ order(id: "o-none") { id } }`, {}, bearer(token));
    expect(unknown.body.errors).toBeUndefined();
    expect(unknown.body.data).toEqual({ order: null });
  });
});
