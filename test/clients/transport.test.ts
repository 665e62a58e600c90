import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttp } from '../../clients/http.js';
import { codeForTransportError } from '../../clients/map-error.js';
import { isRetryableTransportError } from '../../clients/retry-policy.js';
import { transportError } from '../../clients/transport.js';
import { META, rejectionOf } from './harness.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A loopback server answering every request with `answer`; counts TCP connections. */
async function serve(answer: (res: ServerResponse, req: IncomingMessage) => void): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = createServer((req, res) => answer(res, req));
  server.on('connection', () => {
    connections += 1;
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

const get = (url: string) => ({ service: 'products' as const, method: 'GET' as const, url: `${url}/products`, route: '/products', meta: META, parse: (b: unknown) => b });

describe('Clients: the undici transport', () => {
  it('reuses keep-alive connections: 20 sequential calls to one origin open at most two', async () => {
    const upstream = await serve((res) => res.end('{"items":[]}'));
    const http = createHttp();
    for (let i = 0; i < 20; i++) expect(await http.call(get(upstream.url))).toEqual({ items: [] });
    // A call made in the same tick as the previous response ended may find that socket not yet released.
    expect(upstream.connections()).toBeLessThanOrEqual(2);
    http.close();
  });

  // A request without Accept-Encoding takes any content coding (RFC 9110 §12.5.3), so a service may gzip its
  // answers to it: each was then UPSTREAM_BAD_RESPONSE, since the transport decodes none.
  it('asks for answers without a content coding, which a service compressing whatever a request allows then sends', async () => {
    const upstream = await serve((res, req) => {
      const accepted = req.headers['accept-encoding'];
      if (accepted === undefined || /gzip|\*/.test(accepted)) res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"items":[]}'));
      else res.end('{"items":[]}');
    });
    const http = createHttp();
    expect(await http.call(get(upstream.url))).toEqual({ items: [] });
    http.close();
  });

  it('cuts off an endless body at the byte limit at once, without reading on to the deadline', async () => {
    const chunk = 'x'.repeat(16 * 1024);
    const upstream = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => clearInterval(timer));
    });
    const http = createHttp({ maxResponseBytes: 64 * 1024, timeoutMs: 5_000 });
    const started = performance.now();
    expect(await rejectionOf(http.call(get(upstream.url)))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', service: 'products' });
    expect(performance.now() - started).toBeLessThan(2_000);
    http.close();
  });

  it('refuses a body whose Content-Length is over the limit before reading it', async () => {
    const upstream = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10_000_000 });
      res.write('{');
    });
    const http = createHttp({ maxResponseBytes: 1024, timeoutMs: 5_000 });
    const started = performance.now();
    expect(await rejectionOf(http.call(get(upstream.url)))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    expect(performance.now() - started).toBeLessThan(2_000);
    http.close();
  });

  it('reads the size limit from the final response, not from an informational one before it', async () => {
    // A 1xx (here 103 Early Hints) carries headers of its own; its Content-Length says nothing of the answer's body.
    const upstream = await serve((res) => {
      res.socket?.write('HTTP/1.1 103 Early Hints\r\nContent-Length: 999999999\r\n\r\n');
      res.end('{"items":[]}');
    });
    const http = createHttp({ maxResponseBytes: 1024 });
    expect(await http.call(get(upstream.url))).toEqual({ items: [] });
    http.close();
  });

  it('follows no redirect: a 3xx is a malformed answer, and its Location is neither called nor quoted', async () => {
    let elsewhere = 0;
    const target = await serve((res) => {
      elsewhere += 1;
      res.end('{"items":[]}');
    });
    for (const status of [301, 302, 307, 308]) {
      const upstream = await serve((res) => res.writeHead(status, { location: `${target.url}/products` }).end());
      const http = createHttp();
      const failure = await rejectionOf(http.call(get(upstream.url)));
      expect(failure).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', service: 'products', status });
      expect(String((failure as Error).message)).not.toContain(target.url);
      http.close();
    }
    expect(elsewhere).toBe(0);
  });

  it('counts the limit in bytes, not characters', async () => {
    // 600 three-byte characters: 1,800 bytes of JSON in 600 characters.
    const upstream = await serve((res) => res.end(JSON.stringify({ s: '€'.repeat(600) })));
    const http = createHttp({ maxResponseBytes: 1024 });
    expect(await rejectionOf(http.call(get(upstream.url)))).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    http.close();
  });

  // Services behind one ingress (`http://ingress/users-api`, `http://ingress/products-api`) shared one pool of
  // sockets: a slow service held them all, and every other service's calls queued behind it until their deadline.
  it('keeps each service its own sockets when several share one origin: a slow one does not queue the others', async () => {
    const held: ServerResponse[] = [];
    const upstream = await serve((res, req) => {
      if (req.url?.startsWith('/inventory-api')) held.push(res);
      else res.end('{"items":[]}');
    });
    const http = createHttp({ maxSockets: 2, timeoutMs: 3_000 });
    const call = (service: 'inventory' | 'products', path: string) => ({ service, method: 'GET' as const, url: `${upstream.url}${path}`, route: path, meta: META, parse: (b: unknown) => b });
    const slow = [1, 2].map(() => http.call(call('inventory', '/inventory-api/inventory')).catch((error: unknown) => error));
    // Both sockets of the inventory service are taken by calls the service does not answer.
    for (let i = 0; i < 200 && held.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(held).toHaveLength(2);
    expect(await http.call(call('products', '/products-api/products'))).toEqual({ items: [] });
    for (const res of held) res.end('{"items":[]}');
    await Promise.all(slow);
    http.close();
  });

  // The per-service pools were made at each service's first call, also after `close`: a call still being made
  // once the gateway had closed its clients (an operation cut at the end of the drain) opened a pool nothing closed.
  it('opens no connection for a call made after close, for any service', async () => {
    const upstream = await serve((res) => res.end('{"items":[]}'));
    const http = createHttp({ retries: 0 });
    http.close();
    expect(await rejectionOf(http.call(get(upstream.url)))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(upstream.connections()).toBe(0);
  });

  // A keep-alive pool never closed a busy connection: under steady load the gateway kept calling the address the
  // name had when the connection opened (a DNS cut-over, a headless service's new pods were never seen).
  it('replaces a connection older than its maximum age once its call is over, while calls keep it busy', async () => {
    const upstream = await serve((res) => res.end('{"items":[]}'));
    const closedByClient: boolean[] = [];
    servers.at(-1)!.on('connection', (socket) => socket.on('end', () => closedByClient.push(true)));
    const http = createHttp({ connectionMaxAgeMs: 200 });
    // Sequential calls with no idle gap worth closing for: one connection would serve them all.
    for (let i = 0; i < 400 && upstream.connections() < 2; i++) {
      expect(await http.call(get(upstream.url))).toEqual({ items: [] });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(upstream.connections()).toBeGreaterThanOrEqual(2);
    // The old connection was closed by the gateway (a FIN from its side), not dropped by the server.
    for (let i = 0; i < 100 && closedByClient.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closedByClient.length).toBeGreaterThanOrEqual(1);
    http.close();
  });

  // A cluster DNS that is busy answers SERVFAIL or not at all: getaddrinfo's EAI_AGAIN, after which nothing was sent.
  it('retries a name lookup that failed for now (EAI_AGAIN), not one for a name that does not exist', () => {
    const lookup = (code: string) => transportError(Object.assign(new Error(`getaddrinfo ${code} users.shop.svc`), { code, syscall: 'getaddrinfo' }));
    expect(isRetryableTransportError(lookup('EAI_AGAIN'))).toBe(true);
    expect(codeForTransportError(lookup('EAI_AGAIN'))).toBe('UPSTREAM_UNAVAILABLE');
    expect(isRetryableTransportError(lookup('ENOTFOUND'))).toBe(false);
  });

  it('maps undici socket errors to the retry policy’s codes: a reset and a connect timeout are retried, a read timeout is not', () => {
    const undici = (code: string) => Object.assign(new Error(code), { code });
    const closed = transportError(undici('UND_ERR_SOCKET'));
    expect(closed).toMatchObject({ code: 'ECONNRESET' });
    expect(isRetryableTransportError(closed)).toBe(true);
    expect(isRetryableTransportError(transportError(undici('ECONNREFUSED')))).toBe(true);
    const connect = transportError(undici('UND_ERR_CONNECT_TIMEOUT'));
    expect(isRetryableTransportError(connect)).toBe(true);
    expect(codeForTransportError(connect)).toBe('UPSTREAM_TIMEOUT');
    const headers = transportError(undici('UND_ERR_HEADERS_TIMEOUT'));
    expect(isRetryableTransportError(headers)).toBe(false);
    expect(codeForTransportError(headers)).toBe('UPSTREAM_TIMEOUT');
    expect(isRetryableTransportError(transportError(undici('ENOTFOUND')))).toBe(false);
    expect(codeForTransportError(transportError(undici('ECONNREFUSED')))).toBe('UPSTREAM_UNAVAILABLE');
  });
});
