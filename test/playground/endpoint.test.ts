import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_JWT_SECRET } from '../../src/config.js';
import { AUDIENCES } from '../../src/context.js';
import type { Gateway } from '../../src/gateway.js';
import { PLAYGROUND_CSP } from '../../src/playground/page.js';
import { startTestGateway } from '../helpers/gateway.js';
import { BROWSER_ACCEPT, openAsBrowser, pageConfig, prefilledHeaders } from './page-config.js';

const require = createRequire(import.meta.url);

/** Every `src` and `href` in a page. */
function links(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!.replace(/&#38;/g, '&'));
}

describe('Playground endpoint (development defaults)', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { JWT_SECRET: '' } });
  });
  afterAll(() => gateway?.close());

  it.each(AUDIENCES)('serves %s a GraphiQL page with its CSP, uncached, to a browser', async (audience) => {
    const response = await openAsBrowser(gateway.url, audience);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(PLAYGROUND_CSP);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('vary')).toContain('Accept');
    expect(response.headers.get('x-correlation-id')).toBeTruthy();
    const config = pageConfig(await response.text());
    expect(config.audience).toBe(audience);
    expect(config.endpoint).toBe(`/${audience}/graphql`);
  });

  it('has a CSP with no inline script and no other host', () => {
    const directives = new Map(PLAYGROUND_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('font-src')).toEqual(["'self'", 'data:']);
    expect(PLAYGROUND_CSP).not.toMatch(/https?:|\*|unsafe-eval/);
  });

  it('links only this server: every script and stylesheet under /playground/assets/, no inline script', async () => {
    const html = await (await openAsBrowser(gateway.url, 'public')).text();
    const urls = links(html).filter((url) => !url.startsWith('data:'));
    expect(urls).toHaveLength(6);
    for (const url of urls) expect(url).toMatch(/^\/playground\/assets\/[0-9a-f]{12}\/[a-z.-]+$/);
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
    for (const attributes of scripts) expect(attributes).toMatch(/\bsrc="|type="application\/json"/);
  });

  it('serves every linked asset with its content type and a year-long immutable cache', async () => {
    const html = await (await openAsBrowser(gateway.url, 'web')).text();
    for (const url of links(html).filter((u) => u.startsWith('/'))) {
      const response = await fetch(`${gateway.url}${url}`, { headers: { 'accept-encoding': 'identity' } });
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toMatch(/^text\/(javascript|css); charset=utf-8$/);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(50);
    }
  });

  it("serves GraphiQL's own installed build, gzipped when asked, with no reference to an unserved source map", async () => {
    const installed = readFileSync(require.resolve('graphiql/graphiql.min.js'), 'utf8');
    const plain = await (await fetch(`${gateway.url}/playground/assets/graphiql.min.js`)).text();
    expect(plain).toBe(installed.slice(0, installed.lastIndexOf('//# sourceMappingURL=')));
    const { status, headers } = await fetch(`${gateway.url}/playground/assets/graphiql.min.js`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(status).toBe(200);
    expect(headers.get('content-encoding')).toBe('gzip');
    // fetch decodes gzip itself; read the raw bytes through node:http to check them.
    const raw = await new Promise<Buffer>((resolve, reject) => {
      request(`${gateway.url}/playground/assets/graphiql.min.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
      })
        .on('error', reject)
        .end();
    });
    expect(raw.length).toBeLessThan(plain.length / 2);
    expect(gunzipSync(raw).toString('utf8')).toBe(plain);
    const refused = await fetch(`${gateway.url}/playground/assets/graphiql.min.js`, {
      headers: { 'accept-encoding': 'gzip;q=0, identity' },
    });
    expect(refused.headers.get('content-encoding')).toBeNull();
  });

  it('caches an asset for a year only under the content hash the page links, so an upgrade never pins another file there', async () => {
    const html = await (await openAsBrowser(gateway.url, 'public')).text();
    const linked = links(html).find((url) => url.endsWith('/playground.js'))!;
    const hash = /^\/playground\/assets\/([0-9a-f]{12})\//.exec(linked)![1]!;
    expect((await fetch(`${gateway.url}${linked}`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // The form earlier releases link, with this file's hash: the same file.
    const earlierForm = await fetch(`${gateway.url}/playground/assets/playground.js?v=${hash}`);
    expect(earlierForm.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // A page from another release (a rolling upgrade) asking this replica, in either form, or a URL without a version.
    for (const url of ['/playground/assets/000000000000/playground.js', '/playground/assets/playground.js?v=000000000000', '/playground/assets/playground.js']) {
      const response = await fetch(`${gateway.url}${url}`);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('cache-control'), url).toBe('no-store');
    }
  });

  // Earlier releases answer `/playground/assets/<name>` whatever its `?v=`, with their own file cached for a year: a
  // page of this release linking `?v=<hash>` and asking such a replica during a rolling upgrade had the earlier
  // file pinned in the browser under this release's hash, for a year. A path they do not serve is a 404 there.
  it('links each asset by a path holding its content hash, not by a ?v= an earlier release would answer with its own file', async () => {
    const html = await (await openAsBrowser(gateway.url, 'public')).text();
    const urls = links(html).filter((url) => url.startsWith('/'));
    expect(urls).toHaveLength(6);
    for (const url of urls) {
      expect(new URL(url, gateway.url).search, url).toBe('');
      expect(url, url).not.toMatch(/^\/playground\/assets\/[^/]+$/);
    }
  });

  it('answers an unknown asset with 404', async () => {
    const response = await fetch(`${gateway.url}/playground/assets/graphiql.min.js.map`);
    expect(response.status).toBe(404);
  });

  it('prefills mobile and web with a development token for u1 that may place orders and read notifications', async () => {
    for (const audience of ['mobile', 'web'] as const) {
      const { Authorization } = prefilledHeaders(await (await openAsBrowser(gateway.url, audience)).text());
      const token = /^Bearer (.+)$/.exec(Authorization ?? '')?.[1] ?? '';
      const { payload } = await jwtVerify(token, new TextEncoder().encode(DEV_JWT_SECRET), { algorithms: ['HS256'] });
      expect(payload.sub).toBe('u1');
      expect(payload['scope']).toBe('orders:write notifications:write');
    }
  });

  it('prefills public with the demo API key, and opens each audience on its contract operation', async () => {
    const html = await (await openAsBrowser(gateway.url, 'public')).text();
    expect(prefilledHeaders(html)).toEqual({ 'X-API-Key': 'demo-public-key-pro' });
    const operations = { mobile: 'query MobileDashboard', web: 'query ProductPage', public: 'query Catalog' };
    const variables = { mobile: '', web: '{"id": "p1"}', public: '{"first": 5}' };
    for (const audience of AUDIENCES) {
      const config = pageConfig(await (await openAsBrowser(gateway.url, audience)).text());
      expect(config.query).toContain(operations[audience]);
      expect(config.variables).toBe(variables[audience]);
    }
  });

  it('leaves GraphQL requests to Apollo: JSON clients, curl, GET queries and POSTs never get the page', async () => {
    const endpoint = `${gateway.url}/web/graphql`;
    const json = await fetch(endpoint, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const curl = await fetch(endpoint, { headers: { accept: '*/*' } });
    expect(curl.headers.get('content-type')).toMatch(/^application\/json/);
    const getQuery = await fetch(`${endpoint}?query=%7B__typename%7D`, {
      headers: { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' },
    });
    expect(await getQuery.json()).toMatchObject({ data: { __typename: 'Query' } });
    // HOSTILE-INPUTS row 16: the same GET without a preflight header stays a CSRF refusal, not a page.
    const csrf = await fetch(`${endpoint}?query=%7B__typename%7D`, { headers: { accept: BROWSER_ACCEPT } });
    expect(csrf.status).toBe(400);
    expect(csrf.headers.get('content-type')).toMatch(/^application\/json/);
    const post = await fetch(endpoint, {
      method: 'POST',
      headers: { accept: BROWSER_ACCEPT, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await post.json()).toMatchObject({ data: { __typename: 'Query' } });
  });

  it('answers HEAD with the headers and no body', async () => {
    const response = await fetch(`${gateway.url}/public/graphql`, { method: 'HEAD', headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(PLAYGROUND_CSP);
    expect(await response.text()).toBe('');
  });
});

describe('Playground endpoint (configured)', () => {
  it('prefills nothing when the gateway runs on real key material', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'playground-keys-'));
    writeFileSync(join(dir, 'keys.json'), '[]');
    // The test helper's JWT_SECRET is a real (non-development) secret.
    const gateway = await startTestGateway({ env: { API_KEYS_FILE: join(dir, 'keys.json') } });
    try {
      for (const audience of AUDIENCES) {
        expect(prefilledHeaders(await (await openAsBrowser(gateway.url, audience)).text())).toEqual({});
      }
    } finally {
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens on a document production runs: under required trusted documents, the manifest text of the example', async () => {
    const gateway = await startTestGateway({ env: { NODE_ENV: 'production', AUDIENCES: 'mobile,web', PLAYGROUND: 'mobile,web' } });
    try {
      for (const audience of ['mobile', 'web'] as const) {
        const { query, variables } = pageConfig(await (await openAsBrowser(gateway.url, audience)).text());
        // What the page's run button sends: the editor's text and its variables.
        const response = await fetch(`${gateway.url}/${audience}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables: variables === '' ? {} : JSON.parse(variables) }),
        });
        const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        expect(body.errors?.map((e) => e.extensions?.code) ?? []).not.toContain('PERSISTED_QUERY_NOT_ALLOWED');
        expect(response.status).toBe(200);
      }
    } finally {
      await gateway.close();
    }
  });

  it('serves only the listed audiences; the others answer a browser as Apollo does (400, JSON)', async () => {
    const gateway = await startTestGateway({ env: { PLAYGROUND: 'public' } });
    try {
      expect((await openAsBrowser(gateway.url, 'public')).status).toBe(200);
      const web = await openAsBrowser(gateway.url, 'web');
      expect(web.status).toBe(400);
      expect(web.headers.get('content-type')).toMatch(/^application\/json/);
    } finally {
      await gateway.close();
    }
  });

  it('serves no page and no asset with PLAYGROUND=none, nor for an audience not served', async () => {
    const none = await startTestGateway({ env: { PLAYGROUND: 'none' } });
    const publicOnly = await startTestGateway({ env: { AUDIENCES: 'public' } });
    try {
      expect((await openAsBrowser(none.url, 'public')).status).toBe(400);
      expect((await fetch(`${none.url}/playground/assets/graphiql.min.js`)).status).toBe(404);
      expect((await openAsBrowser(publicOnly.url, 'web')).status).toBe(404);
      expect((await openAsBrowser(publicOnly.url, 'public')).status).toBe(200);
    } finally {
      await Promise.all([none.close(), publicOnly.close()]);
    }
  });
});
