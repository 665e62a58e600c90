import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureOverride, type FixtureRequest, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { startTestGateway, tokenFor } from '../helpers/gateway.js';

let upstream: FixtureUpstream;
let gateway: Gateway;
let fault: ((req: FixtureRequest) => FixtureOverride | void) | null = null;

beforeAll(async () => {
  upstream = await startFixtureUpstream({ onRequest: (req) => fault?.(req) });
  gateway = await startTestGateway({ upstreams: upstream.urls });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => {
  fault = null;
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * POSTs with node:http rather than fetch: fetch refuses to send hop-by-hop
 * headers such as `Connection`, `TE` and `Upgrade`, which are the point here.
 */
function rawPost(path: string, query: string, headers: Record<string, string>): Promise<RawResponse> {
  const body = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${gateway.url}${path}`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const HOSTILE = {
  connection: 'X-Foo, keep-alive',
  'x-foo': 'hop-by-hop-by-declaration',
  te: 'trailers',
  upgrade: 'websocket',
  'x-internal-secret': 'let-me-in',
  'x-internal-user': 'admin',
  'x-consumer-id': 'someone-else',
  cookie: 'session=stolen',
  'x-forwarded-for': '203.0.113.7',
  forwarded: 'for=203.0.113.7',
  'proxy-authorization': 'Basic Zm9vOmJhcg==',
};

/** Everything the gateway may send upstream (CONTRACT.md §1), plus what HTTP/1.1 and the HTTP client add themselves. */
const ALLOWED_UPSTREAM = new Set([
  'x-correlation-id', 'x-consumer-id', 'idempotency-key', 'content-type', 'content-length',
  'accept', 'accept-encoding', 'user-agent', 'host', 'connection',
]);

function expectClean(requests: FixtureRequest[], consumerId: string | undefined) {
  expect(requests.length).toBeGreaterThan(0);
  for (const { headers } of requests) {
    expect(Object.keys(headers).filter((name) => !ALLOWED_UPSTREAM.has(name))).toEqual([]);
    expect(headers['connection'] ?? 'keep-alive').toMatch(/^(keep-alive|close)$/i);
    expect(headers['x-consumer-id']).toBe(consumerId);
    expect(JSON.stringify(headers)).not.toMatch(/stolen|let-me-in|someone-else|203\.0\.113\.7|Zm9vOmJhcg|demo-public-key|Bearer/);
  }
}

describe('Header hygiene', () => {
  it('sends no client header upstream but the allowlist: an anonymous caller sends no X-Consumer-ID at all', async () => {
    const before = upstream.requests.length;
    const response = await rawPost('/web/graphql', '{ product(id: "fx-p1") { id name inStock price { amount } } }', HOSTILE);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ data: { product: { id: 'fx-p1' } } });
    expectClean(upstream.requests.slice(before), undefined);
  });

  it('sends the token’s user as X-Consumer-ID, never the client’s, and no Authorization', async () => {
    const before = upstream.requests.length;
    const token = await tokenFor('fx-alice');
    const response = await rawPost('/web/graphql', '{ me { id orders(first: 2) { edges { node { id } } } } }', {
      ...HOSTILE,
      authorization: `Bearer ${token}`,
    });
    expect(JSON.parse(response.body)).toMatchObject({ data: { me: { id: 'fx-alice' } } });
    expectClean(upstream.requests.slice(before), 'fx-alice');
  });

  it('sends the API key’s consumer as X-Consumer-ID, never the key itself', async () => {
    const before = upstream.requests.length;
    const response = await rawPost('/public/graphql', '{ products(first: 2) { edges { node { id price { amount } } } } }', {
      ...HOSTILE,
      'x-api-key': 'demo-public-key-free',
    });
    expect(JSON.parse(response.body)).toMatchObject({ data: { products: { edges: [{}, {}] } } });
    expectClean(upstream.requests.slice(before), 'demo-partner-free');
  });

  it('never passes an upstream’s Set-Cookie, Server or X-Powered-By to the client', async () => {
    fault = (req) => {
      if (req.service !== 'products') return undefined;
      const product = upstream.data.products.find((p) => p.id === 'fx-p5');
      return {
        status: 200,
        body: JSON.stringify({ items: [product] }),
        headers: { 'set-cookie': 'upstream_session=abc; HttpOnly', server: 'nginx/1.2.3', 'x-powered-by': 'Express' },
      };
    };
    const before = upstream.requests.length;
    const response = await rawPost('/web/graphql', '{ product(id: "fx-p5") { id name } }', {});
    expect(JSON.parse(response.body)).toMatchObject({ data: { product: { id: 'fx-p5' } } });
    expect(upstream.requests.slice(before).map((r) => r.service)).toContain('products');
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.headers['server']).toBeUndefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.body).not.toMatch(/nginx|Express|upstream_session/);
  });
});
