import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { noProxyMatcher, proxyChooser } from '../../clients/egress-proxy.js';
import { createHttp } from '../../clients/http.js';
import type { ServiceName } from '../../clients/index.js';
import type { Gateway } from '../../src/gateway.js';
import { startEgressProxy, type EgressProxyServer } from '../helpers/egress-proxy.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { bearer, captureLogs, gql, startTestGateway } from '../helpers/gateway.js';
import { META, rejectionOf } from './harness.js';

const TLS_DIR = path.join('test', 'fixtures', 'tls');
const PRODUCT = '{ product(id: "fx-p1") { id name stockLevel } }';

/** The fixture's URLs with their host replaced: `fixture.test` resolves nowhere but through the test proxy. */
function renamed(urls: Record<ServiceName, string>, host: string): Record<ServiceName, string> {
  return Object.fromEntries(Object.entries(urls).map(([service, url]) => [service, url.replace('127.0.0.1', host)])) as Record<ServiceName, string>;
}

describe('Egress proxy: NO_PROXY as curl and Go read it', () => {
  it('bypasses names and their subdomains, ports when given, addresses and CIDR ranges', () => {
    const bypass = noProxyMatcher(['.svc.cluster.local', 'metadata.internal', '*.corp.example', 'pricing:8443', '10.0.0.0/8', 'fd00::/8', '::1', '[2001:db8::1]:8080']);
    expect(bypass('users.shop.svc.cluster.local', 80)).toBe(true);
    expect(bypass('metadata.internal', 80)).toBe(true);
    expect(bypass('a.metadata.internal', 80)).toBe(true);
    expect(bypass('notmetadata.internal', 80)).toBe(false);
    expect(bypass('api.corp.example', 443)).toBe(true);
    expect(bypass('pricing', 8443)).toBe(true);
    expect(bypass('pricing', 80)).toBe(false);
    expect(bypass('10.96.0.12', 80)).toBe(true);
    expect(bypass('11.0.0.1', 80)).toBe(false);
    expect(bypass('[fd00::12]', 80)).toBe(true);
    expect(bypass('[::1]', 80)).toBe(true);
    expect(bypass('[2001:db8::1]', 8080)).toBe(true);
    expect(bypass('[2001:db8::1]', 80)).toBe(false);
    expect(bypass('USERS.SHOP.SVC.CLUSTER.LOCAL', 80)).toBe(true);
    expect(noProxyMatcher(['*'])('anything.example', 443)).toBe(true);
  });

  // A cluster's fully qualified names are often written with their final dot (no search-list lookups): such a
  // service did not match `.svc.cluster.local`, and its in-cluster calls went out through the proxy.
  it('reads a name written with its final dot as the same name, in the URL or in NO_PROXY', () => {
    const bypass = noProxyMatcher(['.svc.cluster.local', 'pricing.internal.']);
    expect(bypass('users.shop.svc.cluster.local.', 80)).toBe(true);
    expect(bypass('pricing.internal', 80)).toBe(true);
    expect(bypass('pricing.internal.', 80)).toBe(true);
    expect(bypass('users.example.', 80)).toBe(false);
  });

  it('uses HTTPS_PROXY for https origins and HTTP_PROXY for http ones, never one for the other', () => {
    const choose = proxyChooser({ httpProxy: 'http://proxy:3128/', httpsProxy: null, noProxy: ['localhost'] });
    expect(choose('http://users.example:8080')).toBe('http://proxy:3128/');
    expect(choose('https://users.example')).toBeNull();
    expect(choose('http://localhost:8080')).toBeNull();
  });
});

describe('Egress proxy: upstream calls with NODE_USE_ENV_PROXY=1', () => {
  let upstream: FixtureUpstream;
  const proxies: EgressProxyServer[] = [];
  const gateways: Gateway[] = [];
  beforeAll(async () => {
    upstream = await startFixtureUpstream();
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((g) => g.close()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await upstream.close();
  });

  async function proxy(options: Parameters<typeof startEgressProxy>[0] = {}): Promise<EgressProxyServer> {
    const started = await startEgressProxy(options);
    proxies.push(started);
    return started;
  }

  it('sends http:// calls to HTTP_PROXY as absolute-form requests with its credentials, so a name only the proxy resolves is reached', async () => {
    const egress = await proxy();
    const proxyUrl = egress.url.replace('http://', 'http://gw:pr%40xy-pass@');
    const logs = captureLogs();
    const gateway = await startTestGateway({
      upstreams: renamed(upstream.urls, 'fixture.test'),
      env: { NODE_USE_ENV_PROXY: '1', HTTP_PROXY: proxyUrl, NO_PROXY: 'localhost,127.0.0.1', LOG_LEVEL: 'info' },
      logDestination: logs.destination,
    });
    gateways.push(gateway);
    const response = await gql<{ product: unknown }>(gateway, 'web', PRODUCT);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.product).toMatchObject({ id: 'fx-p1', stockLevel: expect.any(String) });
    const port = new URL(upstream.urls.products).port;
    const productCall = egress.requests.find((r) => r.target === `http://fixture.test:${port}/products-svc/products?ids=fx-p1`);
    expect(productCall?.method).toBe('GET');
    expect(productCall?.headers.host).toBe(`fixture.test:${port}`);
    expect(productCall?.headers['proxy-authorization']).toBe(`Basic ${Buffer.from('gw:pr@xy-pass').toString('base64')}`);
    // (That no proxy credentials reach a service is checked through a tunnel, below: this proxy drops them itself.)
    // The start-up line names the proxy, never its password.
    const line = logs.lines.find((l) => l.includes('egress proxy'));
    expect(line).toContain(`"http":"${egress.url}/"`);
    expect(logs.lines.join('\n')).not.toMatch(/pr%40xy-pass|pr@xy-pass/);
  });

  it('goes direct to the hosts NO_PROXY names, by name or by CIDR range, and through the proxy to the others', async () => {
    const egress = await proxy();
    // Products behind a name only the proxy resolves; inventory by a name NO_PROXY lists; the rest by address.
    const upstreams = { ...upstream.urls, products: upstream.urls.products.replace('127.0.0.1', 'fixture.test'), inventory: upstream.urls.inventory.replace('127.0.0.1', 'localhost') };
    const gateway = await startTestGateway({ upstreams, env: { NODE_USE_ENV_PROXY: '1', HTTP_PROXY: egress.url, NO_PROXY: 'localhost, 127.0.0.0/8' } });
    gateways.push(gateway);
    const response = await gql<{ product: unknown }>(gateway, 'web', PRODUCT);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data?.product).toMatchObject({ id: 'fx-p1', stockLevel: expect.any(String) });
    expect(egress.requests.map((r) => new URL(r.target).pathname)).toEqual(['/products-svc/products']);
    expect(upstream.requests.some((r) => r.service === 'inventory')).toBe(true);
  });

  it('leaves the proxy variables unused without NODE_USE_ENV_PROXY=1, as before, and says so at start-up', async () => {
    const egress = await proxy();
    const logs = captureLogs();
    const gateway = await startTestGateway({ upstreams: upstream.urls, env: { HTTP_PROXY: egress.url, https_proxy: egress.url, LOG_LEVEL: 'info' }, logDestination: logs.destination });
    gateways.push(gateway);
    expect((await gql<{ product: unknown }>(gateway, 'web', PRODUCT)).body.data?.product).toMatchObject({ id: 'fx-p1' });
    expect(egress.requests).toEqual([]);
    const warning = logs.lines.map((l) => JSON.parse(l) as { msg: string; variables?: string[] }).find((l) => l.msg.startsWith('proxy variables are set but not used'));
    expect(warning?.variables).toEqual(['HTTP_PROXY', 'https_proxy']);
  });

  // An identity provider outside the cluster is the egress a proxy is most often there for: the key set was
  // fetched directly, failed, and every bearer token was answered 503.
  it('fetches the JWKS through the proxy too', async () => {
    const egress = await proxy();
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const keyServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
    try {
      const jwksUrl = `http://idp.test:${(keyServer.address() as AddressInfo).port}/.well-known/jwks.json`;
      const gateway = await startTestGateway({ upstreams: upstream.urls, env: { JWT_SECRET: '', JWT_JWKS_URL: jwksUrl, NODE_USE_ENV_PROXY: '1', HTTP_PROXY: egress.url, NO_PROXY: '127.0.0.1' } });
      gateways.push(gateway);
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('fx-alice').setExpirationTime('1h').sign(privateKey);
      const response = await gql<{ dashboard: { unreadCount: number } }>(gateway, 'mobile', '{ dashboard { unreadCount } }', {}, bearer(token));
      expect(response.status).toBe(200);
      expect(response.body.data?.dashboard.unreadCount).toEqual(expect.any(Number));
      expect(egress.requests.map((r) => r.target)).toContain(jwksUrl);
    } finally {
      keyServer.closeAllConnections();
      await new Promise<void>((resolve) => keyServer.close(() => resolve()));
    }
  });

  // undici's ProxyAgent sends credentials only when the URL has a user and a password: a user alone (a token
  // as the user name) went with the forwarded http:// calls, and not with the tunnels, which the proxy refused.
  it('sends a proxy URL holding a user alone as credentials to a tunnel and to forwarded calls alike', async () => {
    const egress = await proxy({ refuse: 407 });
    const withUser = egress.url.replace('http://', 'http://gw-token@');
    const http = createHttp({ proxy: { httpProxy: withUser, httpsProxy: withUser, noProxy: [] }, timeoutMs: 3_000, retries: 0 });
    const call = (service: ServiceName, url: string) => http.call({ service, method: 'GET', url, route: '/', meta: META, parse: (b) => b });
    await rejectionOf(call('pricing', 'https://pricing.test:8443/prices'));
    await rejectionOf(call('users', 'http://users.test:8080/users'));
    http.close();
    const expected = `Basic ${Buffer.from('gw-token:').toString('base64')}`;
    expect(egress.requests.map((r) => `${r.method} ${r.headers['proxy-authorization']}`)).toEqual([`CONNECT ${expected}`, `GET ${expected}`]);
  });

  it('answers UPSTREAM_UNAVAILABLE when the proxy refuses a tunnel, naming EPROXY in the log and nothing to the client', async () => {
    const egress = await proxy({ refuse: 403 });
    const http = createHttp({ proxy: { httpProxy: null, httpsProxy: egress.url, noProxy: [] }, timeoutMs: 3_000 });
    const events: { reason?: string | undefined }[] = [];
    const error = await rejectionOf(
      http.call({ service: 'pricing', method: 'GET', url: 'https://pricing.test:8443/prices', route: '/prices', meta: { ...META, onCall: (e) => events.push(e) }, parse: (b) => b }),
    );
    http.close();
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: 'pricing service unavailable' });
    expect(egress.requests.map((r) => `${r.method} ${r.target}`)).toEqual(['CONNECT pricing.test:8443']);
    expect(events[0]?.reason).toBe('EPROXY (connect)');
  });
});

describe('Egress proxy: https:// services through a CONNECT tunnel', () => {
  let upstream: FixtureUpstream;
  let egress: EgressProxyServer;
  let gateway: GatewayProcess;
  beforeAll(async () => {
    upstream = await startFixtureUpstream({
      tls: { key: readFileSync(path.join(TLS_DIR, 'server-key.pem'), 'utf8'), cert: readFileSync(path.join(TLS_DIR, 'server.pem'), 'utf8') },
    });
    egress = await startEgressProxy();
    gateway = await spawnGateway(renamed(upstream.urls, 'localhost'), {
      NODE_EXTRA_CA_CERTS: path.resolve(TLS_DIR, 'ca.pem'),
      NODE_USE_ENV_PROXY: '1',
      HTTPS_PROXY: egress.url.replace('http://', 'http://gw:tunnel-pass@'),
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await egress?.close();
    await upstream?.close();
  });

  it('opens the tunnel to the service and verifies its certificate end to end', async () => {
    const response = await fetch(`${gateway.url}/web/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: PRODUCT }) });
    const body = (await response.json()) as { data?: { product: unknown }; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    expect(body.data?.product).toMatchObject({ id: 'fx-p1' });
    const port = new URL(upstream.urls.products).port;
    expect(egress.requests.map((r) => `${r.method} ${r.target}`)).toContain(`CONNECT localhost:${port}`);
    // Nothing went to the proxy in the clear.
    expect(egress.requests.every((r) => r.method === 'CONNECT')).toBe(true);
    // Its credentials went to the proxy with each CONNECT, and never through the tunnel, where it could not take
    // them out: the service saw none.
    expect(new Set(egress.requests.map((r) => r.headers['proxy-authorization']))).toEqual(new Set([`Basic ${Buffer.from('gw:tunnel-pass').toString('base64')}`]));
    expect(upstream.requests.length).toBeGreaterThan(0);
    expect(upstream.requests.filter((r) => r.headers['proxy-authorization'] !== undefined)).toEqual([]);
  });
});
