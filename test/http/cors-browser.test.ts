import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { launchChromium, skipWithoutChromium } from '../helpers/chromium.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { startTestGateway, tokenFor } from '../helpers/gateway.js';
import { tempFile } from '../helpers/temp-file.js';

/** What a page's script sees of one cross-origin fetch: its status, the headers CORS lets it read, its body; or the browser's refusal. */
interface Seen {
  status?: number;
  headers?: Record<string, string | null>;
  body?: { data?: unknown; errors?: { extensions?: { code?: string } }[]; extensions?: Record<string, unknown> };
  refused?: string;
}

const READ = ['x-correlation-id', 'ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'];

/** The headers @apollo/client's HttpLink sends for an ApolloClient given `name` and `version` (client awareness). */
const APOLLO_CLIENT = {
  accept: 'application/graphql-response+json,application/json;q=0.9',
  'content-type': 'application/json',
  'apollographql-client-name': 'shop-web',
  'apollographql-client-version': '2.14.0',
};

describe.skipIf(skipWithoutChromium('cross-origin browser tests'))('A web app on an allowed origin, in Chromium', () => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  let site: Server;
  let browser: Browser;
  let page: Page;

  /** Runs `fetch` in the page (the app's origin) against the gateway's web endpoint. */
  const fetchFromPage = (headers: Record<string, string>, query: string): Promise<Seen> =>
    page.evaluate<Seen, { url: string; headers: Record<string, string>; query: string; read: string[] }>(
      async ({ url, headers, query, read }) => {
        try {
          const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }) });
          const body = (await response.json()) as NonNullable<Seen['body']>;
          return { status: response.status, headers: Object.fromEntries(read.map((name) => [name, response.headers.get(name)])), body };
        } catch (error) {
          return { refused: String(error) };
        }
      },
      { url: `${gateway.url}/web/graphql`, headers, query, read: READ },
    );

  beforeAll(async () => {
    // The app's own origin: an empty page on another loopback port.
    site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>shop</title>'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    upstream = await startFixtureUpstream();
    // Anonymous web callers get a budget of 3, refilled too slowly to matter here: the fourth request is throttled.
    const limits = tempFile('limits.json', { web: { tiers: { free: { capacity: 3, restorePerSecond: 0.001 } } } });
    gateway = await startTestGateway({ upstreams: upstream.urls, env: { CORS_ORIGINS: origin, RATE_LIMITS_FILE: limits } });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(`${origin}/`);
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await upstream?.close();
    await new Promise((resolve) => site?.close(resolve));
  });

  it('sends what Apollo Client sends for a named app (client-awareness headers, a bearer token, trace context) and reads the rate-limit headers', async () => {
    const token = await tokenFor('fx-alice', { tier: 'pro' });
    const seen = await fetchFromPage(
      { ...APOLLO_CLIENT, authorization: `Bearer ${token}`, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      '{ product(id: "fx-p2") { id } }',
    );
    expect(seen.refused).toBeUndefined();
    expect(seen.status).toBe(200);
    expect(seen.body?.data).toEqual({ product: { id: 'fx-p2' } });
    for (const name of ['x-correlation-id', 'ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
      expect(seen.headers?.[name], name).toEqual(expect.any(String));
    }
  });

  it('prices an operation with a cost dry run sent from the page', async () => {
    const seen = await fetchFromPage({ ...APOLLO_CLIENT, 'x-cost-dry-run': 'true' }, '{ product(id: "fx-p2") { id } }');
    expect(seen.refused).toBeUndefined();
    expect(seen.status).toBe(200);
    expect(seen.body?.data).toBeUndefined();
    expect(seen.body?.extensions?.['cost']).toMatchObject({ dryRun: true, actualQueryCost: 0 });
  });

  it('reads Retry-After and X-RateLimit-Remaining of a 429 once the anonymous budget is spent', async () => {
    // Only the headers every GraphQL client sends: the preflight asks for nothing but `content-type`.
    const plain = { accept: APOLLO_CLIENT.accept, 'content-type': 'application/json' };
    let seen: Seen = {};
    for (let i = 0; i < 5 && seen.status !== 429; i++) seen = await fetchFromPage(plain, '{ product(id: "fx-p2") { id } }');
    expect(seen.refused).toBeUndefined();
    expect(seen.status).toBe(429);
    expect(seen.body?.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(Number(seen.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(seen.headers?.['x-ratelimit-remaining']).toBe('0');
  });
});
