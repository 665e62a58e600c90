import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CredentialError } from '../../src/auth/credential-error.js';
import { createJwtVerifier } from '../../src/auth/jwt.js';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway, TEST_JWT_SECRET } from '../helpers/gateway.js';

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'bff-gateway';
const now = () => Math.floor(Date.now() / 1000);

/** A token with exactly the registered claims given (none added by default). */
function token(claims: { iss?: string; aud?: string; exp?: number; nbf?: number }): Promise<string> {
  return new SignJWT({ sub: 'fx-alice', ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}
const valid = { iss: ISSUER, aud: AUDIENCE, exp: now() + 3600 };

let upstream: FixtureUpstream;
let gateway: Gateway;
beforeAll(async () => {
  upstream = await startFixtureUpstream();
  gateway = await startTestGateway({ upstreams: upstream.urls, env: { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE } });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const ask = async (jwt: string) => gql(gateway, 'web', '{ me { id } }', {}, bearer(jwt));

async function expectRejected(jwt: string) {
  const response = await ask(jwt);
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(response.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
}

describe('Token claims', () => {
  it('accepts a token with the configured issuer and audience', async () => {
    const { status, body } = await ask(await token(valid));
    expect(status).toBe(200);
    expect(body.data).toEqual({ me: { id: 'fx-alice' } });
  });

  it('rejects a wrong or missing `iss` when JWT_ISSUER is set', async () => {
    await expectRejected(await token({ ...valid, iss: 'https://evil.example.test/' }));
    const { iss: _iss, ...noIssuer } = valid;
    await expectRejected(await token(noIssuer));
  });

  it('rejects a wrong or missing `aud` when JWT_AUDIENCE is set', async () => {
    await expectRejected(await token({ ...valid, aud: 'another-api' }));
    const { aud: _aud, ...noAudience } = valid;
    await expectRejected(await token(noAudience));
  });

  it('rejects a token without `exp` (expiry is required), and one expired beyond the tolerance', async () => {
    await expectRejected(await token({ ...valid, exp: now() - 120 }));
    const { exp: _exp, ...noExpiry } = valid;
    await expectRejected(await token(noExpiry));
  });

  it('rejects `nbf` in the future beyond the 30 s clock tolerance, and accepts it within', async () => {
    await expectRejected(await token({ ...valid, nbf: now() + 300 }));
    expect((await ask(await token({ ...valid, nbf: now() + 10 }))).status).toBe(200);
  });

  it('rejects a token whose `sub` is empty, holds whitespace or is over 128 characters, and accepts one of 128', async () => {
    const withSubject = (sub: string) =>
      new SignJWT({ ...valid, sub }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_JWT_SECRET));
    for (const sub of ['', 'fx alice', 'fx-alice\t', 'x'.repeat(129)]) await expectRejected(await withSubject(sub));
    // The longest accepted: past the credential check, the user is only unknown to the users service.
    const longest = await ask(await withSubject('x'.repeat(128)));
    expect(longest.status).toBe(200);
    expect(longest.body.errors?.map((error) => error.extensions!.code) ?? []).not.toContain('UNAUTHENTICATED');
  });

  it('rejects garbage in every shape', async () => {
    for (const garbage of ['garbage', 'a.b.c', '....', 'eyJhbGciOiJIUzI1NiJ9.e30.', `${await token(valid)}x`]) {
      await expectRejected(garbage);
    }
  });
});

describe('Tokens the verifier remembers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  // A verified token is remembered for up to a minute so its signature is checked once; the memory must end at its
  // expiry, or a token would outlive `exp` (and the 30 s tolerance) by up to a minute.
  it('refuses a remembered token once it has expired beyond the tolerance', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verify = createJwtVerifier({ kind: 'secret', secret: TEST_JWT_SECRET, isDevSecret: false });
    const shortLived = await token({ exp: now() + 5 });
    await expect(verify(shortLived)).resolves.toMatchObject({ kind: 'user', id: 'fx-alice' });
    // 40 s on: 35 s past `exp`, beyond the 30 s tolerance, and well inside the minute a verdict is remembered.
    vi.setSystemTime(Date.now() + 40_000);
    await expect(verify(shortLived)).rejects.toBeInstanceOf(CredentialError);
  });
});
