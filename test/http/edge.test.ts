import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { bearer, EDGE_MODES, gql, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { CATALOG } from '../operations/contract.js';

let upstream: FixtureUpstream;
let gateway: Gateway;


const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

/** A POST's head declaring `declared` bytes, with one `Expect` line per expectation. */
const expectHead = (version: string, declared: number, expectations: string[]) =>
  `POST /web/graphql HTTP/${version}\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n` +
  expectations.map((e) => `expect: ${e}\r\n`).join('') +
  'connection: close\r\n\r\n';

/**
 * Sends `head` alone, then `body` once told to continue (or at once, `eager`: as an HTTP/1.0 client, for whom no 1xx
 * ever comes); resolves with everything answered until the connection closes.
 */
function continueExchange(head: string, body: string, eager = false): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    let sent = eager;
    const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1', () => socket.write(eager ? head + body : head));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (!sent && answer.startsWith('HTTP/1.1 100 Continue\r\n\r\n')) {
        sent = true;
        socket.write(body);
      }
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
  });
}

// Every case once with the main thread's own listener and once through the edge thread, which must answer alike.
describe.each(EDGE_MODES)('The edge, served by $edge', ({ edgeThread }) => {
  beforeAll(async () => {
    upstream = await startFixtureUpstream();
    gateway = await startTestGateway({ upstreams: upstream.urls, env: { MAX_BODY_BYTES: '2000', MAX_QUERY_TOKENS: '200', OVERLOAD_EDGE_THREAD: edgeThread, CORS_ORIGINS: 'https://app.example' } });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('answers /healthz and /readyz, and shows every upstream up in the verbose status', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
    const verbose = await fetch(`${gateway.url}/readyz?verbose`);
    expect(((await verbose.json()) as { upstreams: Record<string, string> }).upstreams.orders).toBe('up');
  });

  it('refuses a body over the limit with 413 and serves the next request', async () => {
    const big = JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(5000) } });
    const refused = await post('/web/graphql', big);
    expect(refused.status).toBe(413);
    // The rest of the body is never read: the connection is not kept for another request.
    expect(refused.headers.get('connection')).toBe('close');
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    const next = await gql(gateway, 'web', '{ __typename }');
    expect(next.body.data).toEqual({ __typename: 'Query' });
  });

  it('takes a body of exactly MAX_BODY_BYTES, and refuses one byte more', async () => {
    const sized = (bytes: number) => {
      const bare = JSON.stringify({ query: '{ __typename }', variables: { pad: '' } });
      return JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(bytes - Buffer.byteLength(bare)) } });
    };
    expect(Buffer.byteLength(sized(2000))).toBe(2000);
    const exact = await post('/web/graphql', sized(2000));
    expect(exact.status).toBe(200);
    expect(((await exact.json()) as { data: unknown }).data).toEqual({ __typename: 'Query' });
    expect((await post('/web/graphql', sized(2001))).status).toBe(413);
  });

  it('reads a body sent as any JSON media type (a +json suffix)', async () => {
    const response = await post('/web/graphql', JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'application/graphql+json; charset=utf-8' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: unknown }).data).toEqual({ __typename: 'Query' });
  });

  it('lets only an allowlisted origin read its answers (CORS), and answers its preflight', async () => {
    const allowed = 'https://app.example';
    const stranger = 'https://evil.example';
    const query = JSON.stringify({ query: '{ __typename }' });

    const mine = await post('/web/graphql', query, { origin: allowed });
    expect(mine.status).toBe(200);
    expect(mine.headers.get('access-control-allow-origin')).toBe(allowed);
    // Every rate-limit signal of the contract, and what a client needs to back off or report a problem.
    const exposed = mine.headers.get('access-control-expose-headers')!.split(/,\s*/);
    for (const name of ['ratelimit', 'ratelimit-policy', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after', 'x-correlation-id']) {
      expect(exposed).toContain(name);
    }
    // Answers differ by origin: a cache must keep them apart.
    expect(mine.headers.get('vary')).toMatch(/\borigin\b/i);
    // Served (the origin is no credential), but nothing tells a browser on another origin it may read it.
    const theirs = await post('/web/graphql', query, { origin: stranger });
    expect(theirs.status).toBe(200);
    expect(theirs.headers.get('access-control-allow-origin')).toBeNull();
    expect(theirs.headers.get('access-control-expose-headers')).toBeNull();
    expect(theirs.headers.get('vary')).toMatch(/\borigin\b/i);

    const preflight = (origin: string) =>
      fetch(`${gateway.url}/web/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const before = upstream.requests.length;
    const yes = await preflight(allowed);
    expect(yes.status).toBe(204);
    expect(yes.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(yes.headers.get('access-control-allow-methods')).toContain('POST');
    // What GraphQL clients send from a browser: Apollo Client's client-awareness headers (its `name` and `version`
    // options), the CSRF-preflight headers, a cost dry run, W3C trace context. One missing fails the whole request.
    const allowedHeaders = yes.headers.get('access-control-allow-headers')!.split(/,\s*/);
    for (const name of ['authorization', 'content-type', 'x-api-key', 'apollo-require-preflight', 'x-apollo-operation-name', 'apollographql-client-name', 'apollographql-client-version', 'x-cost-dry-run', 'traceparent', 'tracestate']) {
      expect(allowedHeaders).toContain(name);
    }
    const no = await preflight(stranger);
    expect(no.status).toBe(204);
    expect(no.headers.get('access-control-allow-origin')).toBeNull();
    expect(no.headers.get('access-control-allow-methods')).toBeNull();
    expect(no.headers.get('access-control-allow-headers')).toBeNull();
    expect(upstream.requests.length).toBe(before);
  });

  it('answers an operationName the document does not define with 400 BAD_REQUEST naming it, and runs nothing', async () => {
    const cases = [
      { query: '{ product(id: "fx-p12") { name } }', operationName: 'Catalog' },
      { query: 'query A { product(id: "fx-p12") { name } }', operationName: 'B' },
      { query: 'query A { product(id: "fx-p12") { name } } query B { __typename }', operationName: 'C' },
    ];
    for (const body of cases) {
      const before = upstream.requests.length;
      const response = await post('/web/graphql', JSON.stringify(body));
      expect(response.status, body.query).toBe(400);
      const answer = (await response.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
      expect(answer.data).toBeUndefined();
      expect(answer.errors.map((e) => [e.extensions.code, e.message])).toEqual([['BAD_REQUEST', `Unknown operation named "${body.operationName}".`]]);
      expect(upstream.requests.length).toBe(before);
    }
    // The name it does define still runs.
    const named = await post('/web/graphql', JSON.stringify({ query: 'query A { __typename } query B { product(id: "fx-p12") { id } }', operationName: 'B' }));
    expect(await named.json()).toEqual({ data: { product: { id: 'fx-p12' } }, extensions: expect.anything() });
  });

  it('sends every answer with its Content-Length, not chunked, so HTTP/1.0 keep-alive clients keep their connection', async () => {
    const graphql = await post('/web/graphql', JSON.stringify({ query: '{ __typename }' }));
    const text = await graphql.text();
    expect(graphql.headers.get('transfer-encoding')).toBeNull();
    expect(graphql.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));

    const { port } = new URL(gateway.url);
    const socket = connect(Number(port), '127.0.0.1');
    let raw = '';
    socket.on('data', (chunk) => (raw += chunk.toString()));
    socket.write('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await expect.poll(() => raw).toContain('{"status":"ok"}');
    const head = raw.slice(0, raw.indexOf('\r\n\r\n')).toLowerCase();
    expect(head).toContain('content-length: 15');
    expect(head).toContain('connection: keep-alive');
    // Still open: a second request on it is answered.
    raw = '';
    socket.write('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await expect.poll(() => raw).toContain('{"status":"ok"}');
    socket.destroy();
  });

  it("answers node:http's own refusals (malformed request, headers too large) with the contract's body and a correlation id", async () => {
    const { port } = new URL(gateway.url);
    /** Sends raw bytes and reads everything until the server closes the connection. */
    const exchange = (bytes: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let raw = '';
        socket.on('data', (chunk) => (raw += chunk.toString()));
        socket.on('close', () => resolve(raw));
        socket.on('error', reject);
        socket.write(bytes);
      });
    const cases = [
      // Both a length and chunked: a request-smuggling shape node:http refuses.
      { bytes: 'POST /web/graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', status: 400 },
      { bytes: 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', status: 400 },
      { bytes: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431 },
    ];
    for (const { bytes, status } of cases) {
      const raw = await exchange(bytes);
      const [head, body] = raw.split('\r\n\r\n') as [string, string];
      expect(head.split('\r\n')[0], bytes.slice(0, 40)).toBe(`HTTP/1.1 ${status} ${STATUS_CODES[status]}`);
      expect(head.toLowerCase()).toContain('connection: close');
      expect(head).toMatch(/X-Correlation-ID: [0-9a-f-]{36}\r?$/m);
      expect(head.toLowerCase()).toContain(`content-length: ${Buffer.byteLength(body)}`);
      expect(JSON.parse(body)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
    }
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  });

  it('routes a request by its path as sent: a target that resolves to another path is not found there', async () => {
    // `/metrics` and `/readyz?verbose` are kept internal by a proxy's rule for their path; `//x/metrics` (a
    // scheme-relative reference to URL parsing), `/a/../metrics`, `\\` for `/` and an absolute-form target all
    // resolved to /metrics here, past such a rule.
    const { port } = new URL(gateway.url);
    const statusOf = (target: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nhost: gateway\r\napollo-require-preflight: 1\r\nconnection: close\r\n\r\n`));
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('close', () => resolve(answer.split('\r\n')[0]!));
        socket.on('error', () => resolve(answer.split('\r\n')[0]!));
      });
    const query = `?query=${encodeURIComponent('{ __typename }')}`;
    // `//` and `//a:b/metrics` do not parse as URLs at all (an empty or a bad host): not found either, not a 500.
    for (const target of ['//x/metrics', '/web/../metrics', '/web/..%2fmetrics', '//x/readyz?verbose', '/web\\..\\metrics', 'http://x/metrics', `//x/web/graphql${query}`, `/public/../web/graphql${query}`, '//', '//a:b/metrics']) {
      expect(await statusOf(target), target).toBe('HTTP/1.1 404 Not Found');
    }
    // The paths themselves, as sent, are served.
    for (const target of ['/metrics', '/readyz?verbose', `/web/graphql${query}`, `/web/graphql/${query}`]) {
      expect(await statusOf(target), target).toBe('HTTP/1.1 200 OK');
    }
  });

  it('answers Expect: 100-continue only once it will read the body: a body over the limit is refused before it is sent', async () => {
    const exchange = (body: string, declared = Buffer.byteLength(body)) => continueExchange(expectHead('1.1', declared, ['100-continue']), body);
    const ok = await exchange(JSON.stringify({ query: '{ __typename }' }));
    expect(ok).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    expect(ok).toContain('"__typename":"Query"');
    // Over MAX_BODY_BYTES (2000 here): 413 at once, and no 100 Continue that would have the client send it.
    const tooLarge = await exchange('x'.repeat(10), 5_000);
    expect(tooLarge).toMatch(/^HTTP\/1\.1 413 /);
    expect(tooLarge).not.toContain('100 Continue');
    // A compressed body is refused from its headers too (415), before the client is asked for it.
    const compressed = await continueExchange(expectHead('1.1', 10, ['100-continue']).replace('\r\n\r\n', '\r\ncontent-encoding: gzip\r\n\r\n'), 'x'.repeat(10));
    expect(compressed).toMatch(/^HTTP\/1\.1 415 /);
    expect(compressed).not.toContain('100 Continue');
  });

  it('continues as node:http decides an expectation: not for HTTP/1.0 (RFC 9110 10.1.1), and for the field sent twice', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const old = await continueExchange(expectHead('1.0', Buffer.byteLength(body), ['100-continue']), body, true);
    expect(old).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const twice = await continueExchange(expectHead('1.1', Buffer.byteLength(body), ['100-continue', '100-continue']), body);
    expect(twice).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  });

  it('answers HEAD with the Content-Length its GET has (RFC 9110 8.6), not that of the empty body it sends', async () => {
    // undici's request, unlike fetch, asks for no encoding of its own: each answer is the one this header chooses.
    for (const acceptEncoding of ['identity', 'gzip']) {
      const asset = `${gateway.url}/playground/assets/playground.css`;
      const get = await request(asset, { headers: { 'accept-encoding': acceptEncoding } });
      const length = (await get.body.arrayBuffer()).byteLength;
      expect(length, acceptEncoding).toBeGreaterThan(0);
      const head = await request(asset, { method: 'HEAD', headers: { 'accept-encoding': acceptEncoding } });
      await head.body.dump();
      expect(head.statusCode, acceptEncoding).toBe(200);
      expect(head.headers['content-length'], acceptEncoding).toBe(String(length));
    }
  });

  it('serves an answer a CDN may share (anonymous, by persisted id over GET) without the correlation id it would repeat', async () => {
    const query = 'query Named($id: ID!) { product(id: $id) { id name } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
    expect((await post('/web/graphql', JSON.stringify({ query, variables: { id: 'fx-p11' }, extensions }))).status).toBe(200);
    const params = new URLSearchParams({ extensions: JSON.stringify(extensions), variables: JSON.stringify({ id: 'fx-p11' }) });
    const shared = await fetch(`${gateway.url}/web/graphql?${params}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(shared.status).toBe(200);
    expect(shared.headers.get('cache-control')).toBe('public, max-age=30');
    expect(shared.headers.get('x-correlation-id')).toBeNull();
    expect(((await shared.json()) as { data: unknown }).data).toEqual({ product: { id: 'fx-p11', name: expect.any(String) } });
  });

  it('answers malformed JSON with 400 and no stack', async () => {
    const response = await post('/web/graphql', '{"query": ');
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('BAD_REQUEST');
    expect(text).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('refuses a compressed request body with 415, whether or not it is really compressed, and serves the next request', async () => {
    const json = JSON.stringify({ query: '{ __typename }' });
    for (const [encoding, body] of [['gzip', gzipSync(json)], ['gzip', json], ['br', json]] as const) {
      const response = await fetch(`${gateway.url}/web/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body });
      expect(response.status).toBe(415);
      // What would have been taken (RFC 9110 15.5.16).
      expect(response.headers.get('accept-encoding')).toBe('identity');
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    }
    expect((await post('/web/graphql', json, { 'content-encoding': 'identity, gzip' })).status).toBe(415);
    // No coding but identity, however the field lists it.
    for (const encoding of ['identity', 'Identity', 'identity, identity', '']) {
      expect((await post('/web/graphql', json, { 'content-encoding': encoding })).status, encoding).toBe(200);
    }
  });

  it('refuses an HTTP batch (a JSON array of operations) with 400 BAD_REQUEST and runs nothing', async () => {
    // Operations that would each call the products service if any of them ran.
    const batch = JSON.stringify([{ query: '{ product(id: "fx-p11") { name } }' }, { query: '{ product(id: "fx-p10") { name } }' }]);
    for (const path of ['/web/graphql', '/public/graphql']) {
      const before = upstream.requests.length;
      const response = await post(path, batch, { 'x-api-key': 'demo-public-key-pro' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
      expect(body.data).toBeUndefined();
      expect(upstream.requests.length).toBe(before);
    }
    // The same operation alone does reach the service: the count above could have moved.
    const before = upstream.requests.length;
    expect((await gql(gateway, 'web', '{ product(id: "fx-p11") { name } }')).body.data).toEqual({ product: { name: expect.any(String) } });
    expect(upstream.requests.length).toBeGreaterThan(before);
  });

  it('answers an unknown path with 404 and a method other than GET/POST with 405', async () => {
    expect((await fetch(`${gateway.url}/admin/graphql`)).status).toBe(404);
    const put = await fetch(`${gateway.url}/web/graphql`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('refuses a mutation over GET with 405', async () => {
    const query = encodeURIComponent('mutation { markNotificationRead(id: "fx-n1") { notification { id } } }');
    const before = upstream.requests.length;
    const response = await fetch(`${gateway.url}/mobile/graphql?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(upstream.requests.length).toBe(before);
  });

  it('refuses a GET without a preflight-forcing header (CSRF prevention)', async () => {
    const response = await fetch(`${gateway.url}/web/graphql?query=${encodeURIComponent('{ __typename }')}`);
    expect(response.status).toBe(400);
  });

  it('echoes a well-formed X-Correlation-ID and passes it upstream', async () => {
    const response = await gql(gateway, 'public', CATALOG, { first: 1 }, { 'x-api-key': 'demo-public-key-pro', 'x-correlation-id': 'abc.DEF_123-x' });
    expect(response.headers.get('x-correlation-id')).toBe('abc.DEF_123-x');
    expect(upstream.requests.at(-1)!.headers['x-correlation-id']).toBe('abc.DEF_123-x');
    // The longest kept: 64 characters.
    const longest = 'x'.repeat(64);
    const atTheLimit = await gql(gateway, 'public', CATALOG, { first: 1 }, { 'x-api-key': 'demo-public-key-pro', 'x-correlation-id': longest });
    expect(atTheLimit.headers.get('x-correlation-id')).toBe(longest);
  });

  it("takes a load balancer's X-Request-ID as the correlation id when there is no well-formed X-Correlation-ID", async () => {
    const requestId = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const key = { 'x-api-key': 'demo-public-key-pro' };
    const alone = await gql(gateway, 'public', CATALOG, { first: 1 }, { ...key, 'x-request-id': requestId });
    expect(alone.headers.get('x-correlation-id')).toBe(requestId);
    expect(upstream.requests.at(-1)!.headers['x-correlation-id']).toBe(requestId);
    const both = await gql(gateway, 'public', CATALOG, { first: 1 }, { ...key, 'x-request-id': requestId, 'x-correlation-id': 'client-id-1' });
    expect(both.headers.get('x-correlation-id')).toBe('client-id-1');
    const malformed = await gql(gateway, 'public', CATALOG, { first: 1 }, { ...key, 'x-request-id': requestId, 'x-correlation-id': 'has space' });
    expect(malformed.headers.get('x-correlation-id')).toBe(requestId);
    // A refusal the edge thread's worker answers by itself (over MAX_BODY_BYTES) keeps the same rule.
    const tooLarge = await post('/web/graphql', JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(5000) } }), { 'x-request-id': requestId });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('x-correlation-id')).toBe(requestId);
    const badRequestId = await gql(gateway, 'public', CATALOG, { first: 1 }, { ...key, 'x-request-id': 'has space' });
    expect(badRequestId.headers.get('x-correlation-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('replaces a malformed or over-long X-Correlation-ID, and echoes and propagates the replacement', async () => {
    // 65 characters: one over the documented 64.
    for (const bad of ['has space', 'x'.repeat(65), 'x'.repeat(200), 'semi;colon', 'caf\u00e9', 'tab\there']) {
      const before = upstream.requests.length;
      const response = await gql(gateway, 'public', CATALOG, { first: 1 }, { 'x-api-key': 'demo-public-key-pro', 'x-correlation-id': bad });
      expect(response.status).toBe(200);
      const id = response.headers.get('x-correlation-id');
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const sent = upstream.requests.slice(before);
      expect(sent.length).toBeGreaterThan(0);
      for (const request of sent) expect(request.headers['x-correlation-id']).toBe(id);
    }
  });

  it('never lets a CR, LF, folded line or control character in X-Correlation-ID past the HTTP parser', async () => {
    const { port } = new URL(gateway.url);
    const body = JSON.stringify({ query: '{ product(id: "fx-p3") { name } }' });
    const send = (headerLines: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(`POST /web/graphql HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n${headerLines}connection: close\r\n\r\n${body}`),
        );
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
      });
    const injections = ['x-correlation-id: abc\r\n injected: 1\r\n', 'x-correlation-id: abc\rinjected: 1\r\n', 'x-correlation-id: abc\ninjected: 1\r\n', 'x-correlation-id: a\u0001b\r\n', 'x-correlation-id: a\u007fb\r\n'];
    const before = upstream.requests.length;
    for (const lines of injections) expect((await send(lines)).split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(upstream.requests.length).toBe(before);
    // The same bytes with a clean header are served: the refusals above were the header's doing.
    expect((await send('x-correlation-id: abc\r\n')).split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
  });

  it('rejects `first` outside 1–100 with 400 BAD_USER_INPUT before any upstream call', async () => {
    for (const first of [0, 101, -1]) {
      const before = upstream.requests.length;
      const { status, body } = await gql(gateway, 'public', CATALOG, { first }, { 'x-api-key': 'demo-public-key-pro' });
      expect(status).toBe(400);
      expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(body.data).toBeUndefined();
      expect(upstream.requests.length).toBe(before);
    }
  });

  it('rejects a huge `first`, inline or as a variable, with 400 BAD_USER_INPUT (not a cost refusal) and calls nothing', async () => {
    const partner = { 'x-api-key': 'demo-public-key-pro' };
    const attempts = [
      // As a literal in the document: still the contract's range check, before the cost estimate prices a million edges.
      () => gql(gateway, 'public', '{ products(first: 1000000) { edges { node { id } } } }', undefined, partner),
      () => gql(gateway, 'public', CATALOG, { first: 2_147_483_647 }, partner),
      // Past GraphQL's Int (32 bits): the variable cannot even be coerced.
      () => gql(gateway, 'public', CATALOG, { first: 2 ** 31 }, partner),
      () => gql(gateway, 'public', CATALOG, { first: 1e300 }, partner),
    ];
    for (const attempt of attempts) {
      const before = upstream.requests.length;
      const { status, body } = await attempt();
      expect(status).toBe(400);
      expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(body.data).toBeUndefined();
      expect(upstream.requests.length).toBe(before);
    }
  });

  it('rejects a string for an Int! variable with 400 BAD_USER_INPUT', async () => {
    const { status, body } = await gql(gateway, 'public', CATALOG, { first: 'ten' }, { 'x-api-key': 'demo-public-key-pro' });
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });

  it('rejects a document over the token limit with 400 GRAPHQL_PARSE_FAILED', async () => {
    const query = `{ ${Array(300).fill('a').join(' ')} }`; // 302 tokens, well under the body limit
    const { status, body } = await gql(gateway, 'web', query);
    expect(status).toBe(400);
    expect(body.errors![0]!.extensions!.code).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('sends X-Consumer-ID upstream and never the client credentials', async () => {
    const token = await tokenFor('fx-alice');
    await gql(gateway, 'web', '{ me { id name } }', {}, { ...bearer(token), cookie: 'session=1', 'x-consumer-id': 'spoofed' });
    const call = upstream.requests.at(-1)!;
    expect(call.headers['x-consumer-id']).toBe('fx-alice');
    expect(call.headers.authorization).toBeUndefined();
    expect(call.headers.cookie).toBeUndefined();
    await gql(gateway, 'public', CATALOG, { first: 1 }, { 'x-api-key': 'demo-public-key-pro' });
    const keyed = upstream.requests.at(-1)!;
    expect(keyed.headers['x-consumer-id']).toBe('demo-partner-pro');
    expect(keyed.headers['x-api-key']).toBeUndefined();
  });
});
