import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../src/auth/api-keys.js';
import { ConfigError } from '../../src/config.js';
import type { Audience } from '../../src/context.js';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureOverride, type FixtureRequest, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { PLACE_ORDER } from '../operations/contract.js';
import { SECRET } from '../resilience/gateway-faults.js';

const PARTNER = { 'x-api-key': 'prod-partner-key-0123456789abcdef' };
const NO_SCOPE = { 'x-api-key': 'prod-noscope-key-0123456789abcdef' };
const INTROSPECTION = '{ __schema { queryType { name } } }';

let dir: string;
let keysFile: string;
let upstream: FixtureUpstream;
let production: Gateway;
/** The same gateway in development, to show each production answer differs from the default one. */
let development: Gateway;
let fault: ((req: FixtureRequest) => FixtureOverride | void | Promise<FixtureOverride | void>) | null = null;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bff-production-'));
  keysFile = join(dir, 'keys.json');
  writeFileSync(keysFile, JSON.stringify([
    { consumer: 'partner', tier: 'pro', scopes: ['catalog:read'], sha256: hashApiKey(PARTNER['x-api-key']) },
    { consumer: 'noscope', tier: 'free', scopes: [], sha256: hashApiKey(NO_SCOPE['x-api-key']) },
  ]));
  upstream = await startFixtureUpstream({ onRequest: (req) => fault?.(req) });
  // Trusted documents off: these tests check the layers below them (production refuses ad-hoc app queries by default).
  production = await startTestGateway({
    upstreams: upstream.urls,
    env: { NODE_ENV: 'production', API_KEYS_FILE: keysFile, TRUSTED_DOCUMENTS: 'mobile=off,web=off' },
  });
  development = await startTestGateway({ upstreams: upstream.urls, env: { API_KEYS_FILE: keysFile } });
});
afterAll(async () => {
  await Promise.all([production.close(), development.close()]);
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fault = null;
});

/** What must never reach a client in production: stacks, exception details, where the upstreams live. */
function expectNoInternals(text: string) {
  expect(text).not.toContain('stacktrace');
  expect(text).not.toContain('exception');
  expect(text).not.toMatch(/\s+at .+:\d+:\d+/);
  expect(text).not.toContain('127.0.0.1');
  expect(text).not.toContain('localhost');
  expect(text).not.toMatch(/https?:\/\//);
  // Every upstream's port, not just one service's (the fixture serves them all from one port today; a split must not slip through).
  for (const url of Object.values(upstream.urls)) expect(text).not.toContain(`:${new URL(url).port}`);
  expect(text).not.toContain('-svc');
}

describe('Production mode (NODE_ENV=production)', () => {
  for (const audience of ['mobile', 'web'] as const) {
    it(`refuses introspection on ${audience} with 400`, async () => {
      const { status, body } = await gql(production, audience, INTROSPECTION);
      expect(status).toBe(400);
      expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
      // Said to the app, not to Apollo's operator ("pass introspection: true to ApolloServer").
      expect(body.errors![0]!.message).toMatch(/^Introspection is off on this endpoint in production/);
      expect(JSON.stringify(body)).not.toMatch(/ApolloServer|Apollo Server/);
      expect(body.data).toBeUndefined();
      expect((await gql(development, audience, INTROSPECTION)).status).toBe(200);
    });
  }

  it('keeps introspection on for the public catalog, which partners explore (a documented choice)', async () => {
    const { status, body } = await gql(production, 'public', INTROSPECTION, {}, PARTNER);
    expect(status).toBe(200);
    expect(body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('suggests no field names ("Did you mean") for a misspelt field', async () => {
    const misspelt = '{ prodct(id: "fx-p1") { id } }';
    const prod = await gql(production, 'web', misspelt);
    expect(prod.status).toBe(400);
    expect(prod.body.errors![0]!.extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(prod.body)).not.toMatch(/Did you mean|"product"/);
    expect(JSON.stringify((await gql(development, 'web', misspelt)).body)).toContain('Did you mean');
  });

  for (const audience of ['mobile', 'web'] as const) {
    it(`suggests nothing on ${audience} for a misspelt field, argument name or fragment type condition`, async () => {
      const misspellings = {
        field: '{ prodct(id: "fx-p1") { id } }',
        argument: '{ product(idd: "fx-p1") { id } }',
        'inline fragment type': '{ product(id: "fx-p1") { ... on Prodcut { id } } }',
        'named fragment type': '{ product(id: "fx-p1") { ...P } } fragment P on Prodcut { id }',
      };
      for (const [what, query] of Object.entries(misspellings)) {
        const prod = await gql(production, audience, query);
        expect(prod.status, what).toBe(400);
        expect(prod.body.data, what).toBeUndefined();
        expect(prod.body.errors!.length, what).toBeGreaterThan(0);
        for (const error of prod.body.errors!) {
          expect(error.extensions!.code, what).toBe('GRAPHQL_VALIDATION_FAILED');
          expect(error.message, what).not.toMatch(/Did you mean/i);
        }
        expect(JSON.stringify(prod.body), what).not.toMatch(/Did you mean/i);
        expectNoInternals(JSON.stringify(prod.body));
        // The development gateway does suggest: each misspelling is one graphql would make a suggestion for.
        expect(JSON.stringify((await gql(development, audience, query)).body), what).toContain('Did you mean');
      }
    });
  }

  it('answers an upstream failure with its code and no stack, host, port or path', async () => {
    fault = (req) => (req.service === 'products' ? { destroySocket: true } : undefined);
    const { body } = await gql(production, 'public', '{ product(id: "fx-p2") { id name } }', {}, PARTNER);
    expect(body.data).toEqual({ product: null });
    expect(body.errors![0]!.extensions!.code).toBe('UPSTREAM_UNAVAILABLE');
    expectNoInternals(JSON.stringify(body));
  });

  it('answers failing and lying upstreams with partial data, their codes, and none of their bodies', async () => {
    // One fault per service, so no circuit opens for the tests after this one.
    fault = (req) => {
      if (req.service === 'inventory') return { status: 500, body: JSON.stringify({ error: { message: SECRET, stack: `Error: ${SECRET}\n    at db (/srv/inventory.js:1:1)` } }) };
      if (req.service === 'reviews') return { status: 200, body: `<html>${SECRET}</html>` };
      if (req.service === 'pricing') return { status: 200, body: JSON.stringify({ prices: SECRET }) };
      return undefined;
    };
    const { status, body } = await gql(production, 'public', '{ product(id: "fx-p4") { id name inStock rating price { amount } } }', {}, PARTNER);
    expect(status).toBe(200);
    expect(body.data).toEqual({ product: { id: 'fx-p4', name: expect.any(String), inStock: null, rating: null, price: null } });
    const codes = body.errors!.map((error) => [error.path, error.extensions!.code]);
    expect(codes).toEqual(
      expect.arrayContaining([
        [['product', 'inStock'], expect.stringMatching(/^UPSTREAM_/)],
        [['product', 'rating'], 'UPSTREAM_BAD_RESPONSE'],
        [['product', 'price'], 'UPSTREAM_BAD_RESPONSE'],
      ]),
    );
    const text = JSON.stringify(body);
    expect(text).not.toContain('SECRET');
    expectNoInternals(text);
  });

  it('answers a hanging upstream with UPSTREAM_TIMEOUT at the dependent field, the rest of the data, and no internals', async () => {
    // A production gateway of its own, so its circuits and the wait are this test's alone. Its upstream deadline is
    // the default (5 s): the products call beside the held one must answer inside it, and on a loaded machine the
    // first request of a new gateway (its plan compiled inside the deadline) takes longer than 300 ms.
    const quick = await startTestGateway({
      upstreams: upstream.urls,
      env: { NODE_ENV: 'production', API_KEYS_FILE: keysFile, TRUSTED_DOCUMENTS: 'mobile=off,web=off' },
    });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    fault = (req) => (req.service === 'inventory' ? held : undefined);
    try {
      const { status, body } = await gql(quick, 'public', '{ product(id: "fx-p3") { id name inStock } }', {}, PARTNER);
      expect(status).toBe(200);
      expect(body.data).toEqual({ product: { id: 'fx-p3', name: expect.any(String), inStock: null } });
      expect(body.errors!.map((error) => [error.path, error.extensions!.code])).toEqual([[['product', 'inStock'], 'UPSTREAM_TIMEOUT']]);
      expect(upstream.requests.some((req) => req.service === 'inventory')).toBe(true);
      expectNoInternals(JSON.stringify(body));
    } finally {
      release();
      await quick.close();
    }
  });

  it('answers a body over the size limit with 413 and no internals, and serves the next request', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(150_000) } });
    const response = await fetch(`${production.url}/public/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...PARTNER },
      body: big,
    });
    expect(response.status).toBe(413);
    const text = await response.text();
    expect((JSON.parse(text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expectNoInternals(text);
    const next = await gql(production, 'public', '{ __typename }', {}, PARTNER);
    expect(next.body.data).toEqual({ __typename: 'Query' });
  });

  it('answers a malformed JSON body with 400 and no internals', async () => {
    for (const audience of ['mobile', 'web', 'public'] as const) {
      const response = await fetch(`${production.url}/${audience}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...PARTNER },
        body: '{"query": "{ __typename }", ',
      });
      expect(response.status).toBe(400);
      const text = await response.text();
      // One error, its code and a message: no other extension (stack, exception) and no parser detail.
      expect(JSON.parse(text)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
      expect(text).not.toMatch(/SyntaxError|JSON\.parse|\bposition \d+|Unexpected (end|token)|Expected /);
      expectNoInternals(text);
    }
  });

  it('keeps stacks out of refusals before execution too: parse, validation and bad input', async () => {
    const refusals = [
      gql(production, 'web', '{ product(id: '),
      gql(production, 'web', '{ product(id: "fx-p1") { nope } }'),
      gql(production, 'public', '{ products(first: 0) { edges { node { id } } } }', {}, PARTNER),
    ];
    const answers = await Promise.all(refusals);
    expect(answers.map(({ body }) => body.errors![0]!.extensions!.code)).toEqual(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']);
    for (const { status, body } of answers) {
      expect(status).toBe(400);
      expectNoInternals(JSON.stringify(body));
    }
    // The development gateway does show the stack: the check above could have failed.
    expect(JSON.stringify((await gql(development, 'web', '{ product(id: ')).body)).toContain('stacktrace');
  });

  it('answers a variable crowded with unknown fields, or nested thousands deep, with a few BAD_USER_INPUT errors, not one per value', async () => {
    // graphql-js prints the whole value into each coercion error: one error per unknown field made a 15 KB request a
    // 30 MB answer, and a 100 KB one held the process for minutes.
    const crowded = JSON.stringify(Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`f${i}`, 1])));
    const nested = `{"idempotencyKey":"checkout-1","lines":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    // Within the count, but each error would still print all 80 KB of it.
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`f${i}`, 'v'.repeat(1_000)])));
    for (const input of [crowded, nested, wide]) {
      const response = await fetch(`${production.url}/web/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"query":${JSON.stringify(PLACE_ORDER)},"variables":{"input":${input}}}`,
      });
      const text = await response.text();
      expect(response.status).toBe(400);
      const { errors } = JSON.parse(text) as { errors: { extensions: { code: string } }[] };
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.length).toBeLessThanOrEqual(11);
      for (const error of errors) expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(text.length).toBeLessThan(100_000);
      expectNoInternals(text);
    }
    // A real order's input still coerces: its lines reach the resolver (anonymous: refused there, not here).
    const order = await gql(production, 'web', PLACE_ORDER, { input: { idempotencyKey: 'checkout-1', lines: [{ productId: 'fx-p1', quantity: 1 }] } });
    expect(order.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('answers denials and bad credentials with their codes and no stack', async () => {
    const forbidden = await gql(production, 'public', '{ products(first: 1) { edges { node { id } } } }', {}, NO_SCOPE);
    expect(forbidden.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expectNoInternals(JSON.stringify(forbidden.body));
    expect(JSON.stringify((await gql(development, 'public', '{ product(id: "x") { id } }', {}, NO_SCOPE)).body)).toContain('stacktrace');

    const anonymous = await gql(production, 'web', '{ me { id } }');
    expect(anonymous.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expectNoInternals(JSON.stringify(anonymous.body));

    const forged = await gql(production, 'web', '{ me { id } }', {}, bearer(await tokenFor('fx-alice', {}, 'x'.repeat(40))));
    expect(forged.status).toBe(401);
    expectNoInternals(JSON.stringify(forged.body));
  });

  for (const audience of ['mobile', 'web'] as const satisfies readonly Audience[]) {
    it(`serves no HTML page to a browser opening /${audience}/graphql`, async () => {
      const response = await fetch(`${production.url}/${audience}/graphql`, {
        headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.headers.get('content-type') ?? '').not.toContain('text/html');
      const text = await response.text();
      expect(text.trimStart().startsWith('<')).toBe(false);
      // What the URL is for, not a CSRF refusal that means nothing to someone who only opened it.
      expect(JSON.parse(text)).toEqual({
        errors: [{ message: 'No playground on this endpoint: send GraphQL requests as POST with Content-Type: application/json.', extensions: { code: 'BAD_REQUEST' } }],
      });
    });
  }

  it('keeps CSRF prevention on: a GET query without a preflight-forcing header, or a text/plain or form POST, is refused', async () => {
    const get = await fetch(`${production.url}/public/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: PARTNER });
    expect(get.status).toBe(400);
    // The three content types a browser may POST cross-site without a preflight (a "simple request").
    const multipart = new FormData();
    multipart.set('query', '{ __typename }');
    const simplePosts: RequestInit[] = [
      { headers: { 'content-type': 'text/plain', ...PARTNER }, body: JSON.stringify({ query: '{ __typename }' }) },
      { headers: { 'content-type': 'application/x-www-form-urlencoded', ...PARTNER }, body: new URLSearchParams({ query: '{ __typename }' }).toString() },
      { headers: PARTNER, body: multipart },
    ];
    for (const init of simplePosts) {
      const form = await fetch(`${production.url}/public/graphql`, { method: 'POST', ...init });
      expect(form.status).toBe(400);
      expect(await form.text()).not.toContain('"data"');
    }
    const allowed = await fetch(`${production.url}/public/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { ...PARTNER, 'apollo-require-preflight': 'true' },
    });
    expect(allowed.status).toBe(200);
  });

  it('refuses to start without JWT key material', async () => {
    const started = startTestGateway({ upstreams: upstream.urls, env: { NODE_ENV: 'production', API_KEYS_FILE: keysFile, JWT_SECRET: '' } });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/JWT_SECRET or JWT_JWKS_URL/);
  });

  it('answers only trusted documents on mobile and web by default, while the public API takes ad-hoc queries', async () => {
    const defaults = await startTestGateway({ upstreams: upstream.urls, env: { NODE_ENV: 'production', API_KEYS_FILE: keysFile } });
    try {
      for (const audience of ['mobile', 'web'] as const) {
        const { status, body } = await gql(defaults, audience, INTROSPECTION);
        expect(status).toBe(400);
        expect(body.errors![0]!.extensions!.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
      }
      const partner = await gql(defaults, 'public', '{ product(id: "fx-p1") { id } }', {}, PARTNER);
      expect(partner.body.data).toEqual({ product: { id: 'fx-p1' } });
    } finally {
      await defaults.close();
    }
  });

  it('warns, naming the variables, when production serves the embedded demo data because no *_URL is set', async () => {
    const lines: string[] = [];
    const demo = await startTestGateway({ env: { NODE_ENV: 'production', AUDIENCES: 'web', LOG_LEVEL: 'info' }, logDestination: { write: (line) => lines.push(line) } });
    try {
      const started = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).find((line) => line.msg.includes('embedded demo services'));
      expect(started).toMatchObject({ level: 40 });
      expect(started!.msg).toContain('USERS_URL');
    } finally {
      await demo.close();
    }
  });
});
