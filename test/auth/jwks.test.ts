import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { CredentialCheckUnavailable } from '../../src/auth/credential-error.js';
import { withJwksFailureBackoff } from '../../src/auth/jwks-backoff.js';
import { createJwtVerifier } from '../../src/auth/jwt.js';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, captureLogs, gql, startTestGateway } from '../helpers/gateway.js';

/** A local JWKS endpoint (or any URL a token might name) that counts what it is asked and can hang. */
interface KeyServer {
  url: string;
  requests: number;
  keys: JWK[];
  hang: boolean;
  /** Requests held by `hang` whose connection the gateway has not yet closed (its fetch not yet given up). */
  held: number;
  /** Set: answered instead of the key set (a failing or lying identity provider). */
  fault: { status: number; body: string } | null;
  close(): Promise<void>;
}

async function startKeyServer(keys: JWK[] = []): Promise<KeyServer> {
  const state: Pick<KeyServer, 'requests' | 'keys' | 'hang' | 'held' | 'fault'> = { requests: 0, keys, hang: false, held: 0, fault: null };
  const server = http.createServer((req, res) => {
    state.requests++;
    if (state.hang) {
      // Never answers: the gateway's deadline must end the wait (it closes the connection).
      state.held++;
      req.socket.once('close', () => void state.held--);
      return;
    }
    if (state.fault) return void res.writeHead(state.fault.status, { 'content-type': 'application/json' }).end(state.fault.body);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const sign = (key: SigningKey, header: Record<string, unknown> = {}) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header })
    .setSubject('fx-alice')
    .setExpirationTime('1h')
    .sign(key.privateKey);

/** An HS256 token "signed" with `secret` as the HMAC key, naming `kid`. */
const signHs256 = (secret: Uint8Array, kid: string) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid }).setSubject('fx-alice').setExpirationTime('1h').sign(secret);

/** The public key in the JWK forms an attacker can read from the JWKS, each as HMAC secret bytes. */
function publicKeyForms(key: SigningKey): Uint8Array[] {
  const bare = { kty: key.jwk.kty, n: key.jwk.n, e: key.jwk.e };
  return [
    new TextEncoder().encode(JSON.stringify(key.jwk)), // the JWK exactly as published
    new TextEncoder().encode(JSON.stringify(bare)), // its required members only
    new TextEncoder().encode(key.jwk.n!), // the modulus, as its base64url text
    new Uint8Array(Buffer.from(key.jwk.n!, 'base64url')), // the modulus, as raw bytes
  ];
}

const DASHBOARD = '{ dashboard { unreadCount } }';

async function expectRejected(gateway: Gateway, token: string) {
  const response = await gql(gateway, 'mobile', DASHBOARD, {}, bearer(token));
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(response.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  expect(JSON.stringify(response.body)).not.toContain(token);
}

/**
 * A token the gateway could not check because the key set is out of reach: 503 with the upstream code and
 * `Retry-After`, never a 401 (which would sign the user out), no data, and nothing sent upstream for it.
 */
async function expectUncheckable(gateway: Gateway, token: string, code: string) {
  const before = upstream.requests.length;
  const response = await gql(gateway, 'mobile', DASHBOARD, {}, bearer(token));
  expect(response.status).toBe(503);
  expect(response.body.errors![0]!.extensions!.code).toBe(code);
  expect(response.body.data).toBeUndefined();
  expect(response.headers.get('www-authenticate')).toBeNull();
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(Number(response.headers.get('retry-after'))).toBeLessThanOrEqual(5);
  expect(JSON.stringify(response.body)).not.toMatch(/127\.0\.0\.1|jwks\.json/);
  expect(upstream.requests.length).toBe(before);
}

async function expectAccepted(gateway: Gateway, token: string) {
  const response = await gql(gateway, 'mobile', DASHBOARD, {}, bearer(token));
  expect(response.status).toBe(200);
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data).toEqual({ dashboard: { unreadCount: expect.any(Number) } });
}

/**
 * A JWKS fetch deadline a loaded machine cannot reach, for the tests that are not about it: a start-up fetch that missed
 * the default 2 s there began the 5 s backoff, and the first tokens were answered 503 instead of verified.
 */
const JWKS_FETCH_PATIENCE = { JWT_JWKS_TIMEOUT_MS: '15000' };

const jwksGateway = (url: string, env: Record<string, string> = {}) =>
  startTestGateway({ upstreams: upstream.urls, env: { JWT_SECRET: '', JWT_JWKS_URL: url, ...JWKS_FETCH_PATIENCE, ...env } });

/** A key server holding `keys` and a gateway verifying tokens against it, both closed once `use` is done. */
async function withKeyServer(keys: JWK[], env: Record<string, string>, use: (server: KeyServer, gateway: Gateway) => Promise<void>): Promise<void> {
  const server = await startKeyServer(keys);
  const gateway = await jwksGateway(server.url, env);
  try {
    await use(server, gateway);
  } finally {
    await gateway.close();
    await server.close();
  }
}

let upstream: FixtureUpstream;
let first: SigningKey;
let jwks: KeyServer;
/** A token URL (`jku`, `x5u`) that must never be fetched. */
let trap: KeyServer;
let gateway: Gateway;

beforeAll(async () => {
  upstream = await startFixtureUpstream();
  first = await signingKey('key-2024');
  jwks = await startKeyServer([first.jwk]);
  trap = await startKeyServer([first.jwk]);
  gateway = await jwksGateway(jwks.url);
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([jwks.close(), trap.close(), upstream.close()]);
});

describe('JWKS-verified tokens', () => {
  it('accepts an RS256 token whose kid is in the JWKS', async () => {
    await expectAccepted(gateway, await sign(first));
  });

  it('rejects an HS256 token signed with the RSA public key as its secret (key confusion)', async () => {
    const before = jwks.requests;
    const pem = await exportSPKI(first.publicKey);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: first.kid })
      .setSubject('fx-alice')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(pem));
    await expectRejected(gateway, forged);
    // The same confusion with the key in the form the JWKS serves it: the JWK's JSON, and its modulus `n`.
    for (const secret of publicKeyForms(first)) await expectRejected(gateway, await signHs256(secret, first.kid));
    // Refused on its algorithm: no key lookup, so no refetch (the flood test below allows at most one per cooldown).
    expect(jwks.requests - before).toBe(0);
  });

  it('refetches the JWKS at most once per cooldown under a flood of tokens with random kids', async () => {
    await expectAccepted(gateway, await sign(first)); // the set is loaded and fresh
    const before = jwks.requests;
    const stranger = await signingKey();
    const tokens = await Promise.all(Array.from({ length: 60 }, () => sign({ ...stranger, kid: randomUUID() })));
    for (let i = 0; i < tokens.length; i += 20) {
      await Promise.all(tokens.slice(i, i + 20).map((token) => expectRejected(gateway, token)));
    }
    // The default cooldown is 30 s: the whole flood fits in one window.
    expect(jwks.requests - before).toBeLessThanOrEqual(1);
  });
});

/** Resolves once `condition` holds (polled), or fails after `ms`. */
async function until(condition: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** `bff_jwks_fetch_failures_total`, summed over its labels. */
async function failuresCounted(gateway: Gateway): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return [...text.matchAll(/^bff_jwks_fetch_failures_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe('Tokens refused before any key lookup', () => {
  // A gateway whose key set (fetched at start-up) holds no key, with no refetch cooldown: any key lookup would find
  // nothing and fetch the set again, so a count that stays at the start-up fetch proves none happened.
  let untouched: KeyServer;
  let fresh: Gateway;
  beforeAll(async () => {
    untouched = await startKeyServer([]);
    fresh = await jwksGateway(untouched.url, { JWT_JWKS_COOLDOWN_MS: '0' });
    await until(() => untouched.requests === 1);
  });
  afterAll(async () => {
    await fresh.close();
    await untouched.close();
  });

  it('rejects a token naming key material (`jku`, `x5u`, embedded `jwk` or `x5c`) even when its signature is genuine, fetching nothing', async () => {
    const attacker = await signingKey(first.kid);
    await expectRejected(fresh, await sign(first, { jku: trap.url }));
    await expectRejected(fresh, await sign(first, { x5u: trap.url }));
    await expectRejected(fresh, await sign(first, { x5c: [Buffer.from('not a certificate').toString('base64')] }));
    await expectRejected(fresh, await sign(first, { jwk: first.jwk }));
    await expectRejected(fresh, await sign(attacker, { jwk: attacker.jwk }));
    expect(trap.requests).toBe(0);
    expect(untouched.requests).toBe(1);
  });

  it('rejects an unsigned token (`alg: none`), with or without a known kid, fetching nothing', async () => {
    const unsigned = (header: Record<string, string>) => {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${part({ alg: 'none', ...header })}.${part({ sub: 'fx-alice', exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
    };
    await expectRejected(fresh, unsigned({}));
    await expectRejected(fresh, unsigned({ kid: first.kid }));
    expect(untouched.requests).toBe(1);
  });

  it('rejects HS256 tokens keyed with the RSA public key in its PEM or JWK forms, fetching nothing', async () => {
    const pem = new TextEncoder().encode(await exportSPKI(first.publicKey));
    for (const secret of [pem, ...publicKeyForms(first)]) {
      await expectRejected(fresh, await signHs256(secret, first.kid));
      await expectRejected(fresh, await signHs256(secret, 'key-unknown'));
    }
    // Any key lookup would have fetched the set again.
    expect(untouched.requests).toBe(1);
  });

  it('rejects a kid holding a path or SQL', async () => {
    for (const kid of ['../../../etc/passwd', "key-2024' OR '1'='1", 'key; DROP TABLE keys;--', '%2e%2e%2fetc']) {
      await expectRejected(fresh, await sign({ ...first, kid }));
    }
    expect(untouched.requests).toBe(1);
  });

  it('rejects a token over 8 KB', async () => {
    const huge = await new SignJWT({ pad: 'x'.repeat(9_000) })
      .setProtectedHeader({ alg: 'RS256', kid: first.kid })
      .setSubject('fx-alice')
      .setExpirationTime('1h')
      .sign(first.privateKey);
    expect(huge.length).toBeGreaterThan(8192);
    await expectRejected(fresh, huge);
    expect(untouched.requests).toBe(1);
  });

  it('still verifies a well-formed token afterwards (the key server was reachable all along)', async () => {
    untouched.keys = [first.jwk];
    await expectAccepted(fresh, await sign(first));
    expect(untouched.requests).toBe(2);
  });
});

describe('JWKS rotation and outages', () => {
  it('fetches the key set at start-up, so the first token does not wait for it', async () => {
    await withKeyServer([first.jwk], {}, async (keys, started) => {
      await until(() => keys.requests === 1);
      await expectAccepted(started, await sign(first));
      expect(keys.requests).toBe(1);
    });
  });

  it('refetches the JWKS for a new kid once the cooldown has passed, and verifies the token', async () => {
    await withKeyServer([first.jwk], { JWT_JWKS_COOLDOWN_MS: '100' }, async (rotating, rotated) => {
      await expectAccepted(rotated, await sign(first));
      expect(rotating.requests).toBe(1);
      const next = await signingKey('key-2025');
      rotating.keys = [first.jwk, next.jwk];
      await new Promise((resolve) => setTimeout(resolve, 150));
      await expectAccepted(rotated, await sign(next));
      expect(rotating.requests).toBe(2);
      await expectAccepted(rotated, await sign(first));
      expect(rotating.requests).toBe(2);
    });
  });

  it('fails closed with 503 UPSTREAM_TIMEOUT within its deadline when the JWKS endpoint hangs, not 401', async () => {
    const hanging = await startKeyServer([first.jwk]);
    hanging.hang = true;
    const stuck = await jwksGateway(hanging.url, { JWT_JWKS_TIMEOUT_MS: '300' });
    try {
      const started = Date.now();
      await expectUncheckable(stuck, await sign(first), 'UPSTREAM_TIMEOUT');
      // A bound, not a benchmark: 300 ms deadline, generous margin for a busy machine.
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(hanging.requests).toBe(1);
    } finally {
      await stuck.close();
      await hanging.close();
    }
  });

  it('asks a hanging JWKS endpoint once for a burst of tokens, not once per token, and says so once', async () => {
    const hanging = await startKeyServer([first.jwk]);
    hanging.hang = true;
    const logs = captureLogs();
    const stuck = await startTestGateway({
      upstreams: upstream.urls,
      env: { JWT_SECRET: '', JWT_JWKS_URL: hanging.url, JWT_JWKS_TIMEOUT_MS: '1000', LOG_LEVEL: 'warn' },
      logDestination: logs.destination,
    });
    try {
      // Sent at once while the start-up fetch hangs: all of them wait on that one fetch, and fail with it.
      const tokens = await Promise.all([0, 1, 2, 3, 4].map((nonce) => sign(first, { nonce })));
      await Promise.all(tokens.map((token) => expectUncheckable(stuck, token, 'UPSTREAM_TIMEOUT')));
      await expectUncheckable(stuck, await sign(first, { nonce: 5 }), 'UPSTREAM_TIMEOUT');
      expect(hanging.requests).toBe(1);
      // One failed fetch: one warning and one count, however many requests waited on it.
      expect(logs.lines.filter((line) => line.includes('JWKS unreachable'))).toHaveLength(1);
      const metrics = await (await fetch(`${stuck.url}/metrics`)).text();
      expect(metrics).toContain('bff_jwks_fetch_failures_total{code="UPSTREAM_TIMEOUT",last_keys_kept="false"} 1');
    } finally {
      await stuck.close();
      await hanging.close();
    }
  });

  it('keeps verifying tokens whose key it already holds while the JWKS endpoint is down', async () => {
    // The deadline ends the wait on the hung endpoint below, and must not end the start-up fetch before it: 5 s.
    await withKeyServer([first.jwk], { JWT_JWKS_TIMEOUT_MS: '5000', JWT_JWKS_COOLDOWN_MS: '0' }, async (flaky, gw) => {
      await expectAccepted(gw, await sign(first));
      flaky.hang = true;
      // A kid the set did not hold: maybe a key the identity provider has just added, which it cannot be asked for.
      const unknown = await signingKey();
      await expectUncheckable(gw, await sign(unknown), 'UPSTREAM_TIMEOUT');
      // A new token (not one verified before) with the known kid: verified from the key jose holds.
      const again = await new SignJWT({ fresh: true })
        .setProtectedHeader({ alg: 'RS256', kid: first.kid })
        .setSubject('fx-alice')
        .setExpirationTime('2h')
        .sign(first.privateKey);
      await expectAccepted(gw, again);
      expect(flaky.requests).toBe(2);
    });
  });

  it('fails closed with 503 UPSTREAM_UNAVAILABLE when the JWKS endpoint is unreachable, logging why without its URL', async () => {
    const gone = await startKeyServer();
    const url = gone.url;
    await gone.close();
    const logs = captureLogs();
    const orphan = await startTestGateway({
      upstreams: upstream.urls,
      env: { JWT_SECRET: '', JWT_JWKS_URL: url, LOG_LEVEL: 'info' },
      logDestination: logs.destination,
    });
    try {
      // Logged at start-up, before any token needs the keys.
      await until(() => logs.lines.some((line) => line.includes('JWKS unreachable')));
      // Five at once, and a sixth, during the backoff: answered without asking again.
      const tokens = await Promise.all([0, 1, 2, 3, 4].map((n) => sign(first, { n })));
      await Promise.all(tokens.map((token) => expectUncheckable(orphan, token, 'UPSTREAM_UNAVAILABLE')));
      await expectUncheckable(orphan, await sign(first, { again: true }), 'UPSTREAM_UNAVAILABLE');
      const metrics = await (await fetch(`${orphan.url}/metrics`)).text();
      expect(metrics).toContain('bff_jwks_fetch_failures_total{code="UPSTREAM_UNAVAILABLE",last_keys_kept="false"} 1');
      // The gateway's failure, not the clients': counted and logged as errors (error-rate alerts see the outage).
      expect(metrics).toMatch(/^bff_requests_total\{audience="mobile",operation="__unread",outcome="error"\} 6$/m);
      expect(metrics).not.toMatch(/outcome="rejected"/);
      const requestLines = logs.lines.map((line) => JSON.parse(line) as { msg: string }).filter((l) => l.msg === 'request');
      expect(requestLines).toEqual(Array(6).fill(expect.objectContaining({ status: 503, outcome: 'error', errorCodes: ['UPSTREAM_UNAVAILABLE'] })));
      const warnings = logs.lines
        .map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string })
        .filter((l) => l.msg.startsWith('JWKS'));
      // One line per failed fetch, not per request.
      expect(warnings).toEqual([expect.objectContaining({ level: 40, reason: 'ECONNREFUSED', lastKeysKept: false })]);
      expect(logs.lines.join('\n')).not.toContain(url);
    } finally {
      await orphan.close();
    }
  });

  it("never gives a JWKS URL's password or query as a failed fetch's reason, even when fetch refuses the URL for holding credentials", async () => {
    // The configuration refuses such a URL (test/config.test.ts); this is the verifier's own guard, should one reach it:
    // fetch refuses a URL with a user or password, and its error message quotes the whole URL.
    const keys = await startKeyServer([first.jwk]);
    const url = keys.url.replace('http://', 'http://idp:JwksPassw0rd@') + '?key=JwksQueryKey';
    const reasons: string[] = [];
    const verify = createJwtVerifier({ kind: 'jwks', url, cooldownMs: 30_000, timeoutMs: 2_000, maxAgeMs: 600_000 }, ({ reason }) => void reasons.push(reason));
    try {
      await expect(verify(await sign(first))).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      expect(reasons.length).toBeGreaterThan(0);
      expect(reasons.every((reason) => reason === 'TypeError'), JSON.stringify(reasons)).toBe(true);
      expect(keys.requests).toBe(0);
    } finally {
      await keys.close();
    }
  });

  it('answers 503 UPSTREAM_UNAVAILABLE for a JWKS answering 500, and UPSTREAM_BAD_RESPONSE for one answering no key set', async () => {
    const failing = await startKeyServer([first.jwk]);
    failing.fault = { status: 500, body: '{"error":"down"}' };
    const down = await jwksGateway(failing.url);
    const lying = await startKeyServer([first.jwk]);
    lying.fault = { status: 200, body: '<html>maintenance</html>' };
    const garbled = await jwksGateway(lying.url);
    const wrongShape = await startKeyServer([first.jwk]);
    wrongShape.fault = { status: 200, body: '{"keys":"none"}' };
    const misshapen = await jwksGateway(wrongShape.url);
    try {
      await expectUncheckable(down, await sign(first), 'UPSTREAM_UNAVAILABLE');
      await expectUncheckable(garbled, await sign(first), 'UPSTREAM_BAD_RESPONSE');
      await expectUncheckable(misshapen, await sign(first), 'UPSTREAM_BAD_RESPONSE');
    } finally {
      await Promise.all([down.close(), garbled.close(), misshapen.close()]);
      await Promise.all([failing.close(), lying.close(), wrongShape.close()]);
    }
  });

  it('asks a failing JWKS once per backoff for tokens whose alg fits none of its keys (known kid, or none)', async () => {
    await withKeyServer([first.jwk], { JWT_JWKS_COOLDOWN_MS: '100' }, async (flaky, gw) => {
      await expectAccepted(gw, await sign(first));
      flaky.fault = { status: 503, body: '' };
      await new Promise((resolve) => setTimeout(resolve, 150)); // past the cooldown; the set is still fresh
      // ES256 against an RSA key: jose finds no key for it and would fetch the set again for each such token.
      const { privateKey } = await generateKeyPair('ES256');
      const forged = (header: Record<string, string>) =>
        new SignJWT({}).setProtectedHeader({ alg: 'ES256', ...header }).setSubject('fx-alice').setExpirationTime('1h').sign(privateKey);
      const before = flaky.requests;
      for (const token of [await forged({ kid: first.kid }), await forged({})]) {
        for (let i = 0; i < 10; i++) await expectRejected(gw, token);
      }
      expect(flaky.requests - before).toBe(1);
    });
  });

  it('never verifies with a key the JWKS has since removed, even when it answered an empty set', async () => {
    await withKeyServer([first.jwk], { JWT_JWKS_MAX_AGE_MS: '1000' }, async (flaky, gw) => {
      await expectAccepted(gw, await sign(first));
      flaky.fault = { status: 503, body: '' };
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await expectAccepted(gw, await sign(first, { n: 1 })); // kept while the refetch fails
      // Back, with every key revoked.
      flaky.fault = null;
      flaky.keys = [];
      await new Promise((resolve) => setTimeout(resolve, 5_100));
      // The first token past the set's age starts its refetch and is verified with the keys in hand
      // (stale-while-revalidate); once the empty set has arrived, the removed key verifies nothing.
      const requestsBefore = flaky.requests;
      await expectAccepted(gw, await sign(first, { n: 2 }));
      await until(() => flaky.requests === requestsBefore + 1);
      let attempt = 0;
      await until(async () => (await gql(gw, 'mobile', DASHBOARD, {}, bearer(await sign(first, { attempt: attempt++ })))).status === 401);
      await expectRejected(gw, await sign(first, { n: 2.5 }));
      // Down again once that empty set is past its age: the revoked key must not come back.
      flaky.fault = { status: 503, body: '' };
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      // The set in hand (empty) is the provider's last word: refused, whatever the refetch behind it does.
      await expectRejected(gw, await sign(first, { n: 3 }));
      await until(async () => (await failuresCounted(gw)) >= 2);
      await expectRejected(gw, await sign(first, { n: 4 }));
    });
  });

  it('does not hold requests for the refetch of an aged set: they verify with the keys in hand while it hangs', async () => {
    await withKeyServer([first.jwk], { JWT_JWKS_MAX_AGE_MS: '1000', JWT_JWKS_TIMEOUT_MS: '15000' }, async (slow, gw) => {
      await expectAccepted(gw, await sign(first));
      slow.hang = true;
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await Promise.all([1, 2, 3].map(async (n) => expectAccepted(gw, await sign(first, { n }))));
      // Answered while the one refetch they started is still held open: none of them waited for it (15 s).
      await until(() => slow.requests === 2);
      expect(slow.held).toBe(1);
    });
  });

  it('keeps verifying with the keys it fetched last once they are past their age, while a refetch fails', async () => {
    // Made before the backoff starts: what is checked during it must fit in its 5 s, and an RSA key pair takes a
    // loaded machine seconds to generate.
    const unknown = await signingKey();
    const forger = await signingKey(first.kid);
    const next = await signingKey('key-2025');
    await withKeyServer([first.jwk], { JWT_JWKS_MAX_AGE_MS: '1000', JWT_JWKS_COOLDOWN_MS: '0' }, async (flaky, gw) => {
      await expectAccepted(gw, await sign(first));
      flaky.fault = { status: 503, body: '' };
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      // Past its age the set is fetched again, behind a request that verifies with the keys in hand; the fetch fails.
      await expectAccepted(gw, await sign(first, { n: 1 }));
      await until(() => flaky.requests === 2);
      await until(async () => (await failuresCounted(gw)) >= 1);
      // During the backoff no fetch is made, and the known key still verifies; an unknown one cannot be checked.
      await expectAccepted(gw, await sign(first, { n: 2 }));
      await expectUncheckable(gw, await sign(unknown), 'UPSTREAM_UNAVAILABLE');
      expect(flaky.requests).toBe(2);
      // A forged token with the known kid is still refused: the kept keys check signatures as before.
      await expectRejected(gw, await sign(forger));
      // The identity provider back, with a rotated set: the new key verifies once the backoff has passed.
      flaky.fault = null;
      flaky.keys = [next.jwk];
      await new Promise((resolve) => setTimeout(resolve, 5_100));
      await expectAccepted(gw, await sign(next));
      expect(flaky.requests).toBe(3);
    });
  });
});

describe('Retry-After while the key set cannot be fetched', () => {
  /** The Retry-After a token needing a key is told now, by a key set whose last fetch failed. */
  const retryAfter = async (keys: ReturnType<typeof withJwksFailureBackoff>) => {
    const error = await Promise.resolve(keys({ alg: 'RS256', kid: 'key-2024' }, { payload: '', signature: '' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialCheckUnavailable);
    return (error as CredentialCheckUnavailable).retryAfterSeconds;
  };

  it('tells the whole backoff right after a failed fetch, and never less than a second', async () => {
    const gone = await startKeyServer();
    await gone.close();
    const remote = () => createRemoteJWKSet(new URL(gone.url), { timeoutDuration: 1_000 });
    const threeSeconds = withJwksFailureBackoff(remote(), { maxAgeMs: 600_000, backoffMs: 3_000 });
    await threeSeconds.prefetch();
    expect(await retryAfter(threeSeconds)).toBe(3);
    // Nearly over: still at least a second, never "Retry-After: 0" (an invitation to retry at once, in a loop).
    const oneSecond = withJwksFailureBackoff(remote(), { maxAgeMs: 600_000, backoffMs: 1_000 });
    await oneSecond.prefetch();
    await new Promise((resolve) => setTimeout(resolve, 950));
    expect(await retryAfter(oneSecond)).toBe(1);
  });
});

describe('JWKS configuration', () => {
  const base = { JWT_JWKS_URL: 'https://id.example.test/jwks.json' };

  it('defaults to a 30 s refetch cooldown and a 2 s fetch deadline', () => {
    expect(loadConfig(base).jwt).toMatchObject({ kind: 'jwks', cooldownMs: 30_000, timeoutMs: 2_000, maxAgeMs: 600_000 });
    expect(loadConfig({ ...base, JWT_JWKS_COOLDOWN_MS: '500', JWT_JWKS_TIMEOUT_MS: '250' }).jwt).toMatchObject({
      cooldownMs: 500,
      timeoutMs: 250,
    });
  });

  it('refuses to start with a cooldown or deadline that is not a bounded integer, naming the variable', () => {
    expect(() => loadConfig({ ...base, JWT_JWKS_COOLDOWN_MS: 'soon' })).toThrow(/JWT_JWKS_COOLDOWN_MS/);
    expect(() => loadConfig({ ...base, JWT_JWKS_TIMEOUT_MS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, JWT_JWKS_TIMEOUT_MS: '600000' })).toThrow(/JWT_JWKS_TIMEOUT_MS/);
  });
});
