import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { acceptsGzip } from '../../src/http/compression.js';
import { EDGE_MODES, startTestGateway } from '../helpers/gateway.js';
import { CATALOG, PRODUCT_PAGE } from '../operations/contract.js';

describe('acceptsGzip (RFC 9110 12.5.3)', () => {
  it.each([
    ['gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip, deflate, br, zstd', true],
    ['br;q=1.0, gzip;q=0.8', true],
    ['gzip; q=0.001', true],
    ['gzip;q=1', true],
    ['*', true],
    ['br, *;q=0.1', true],
    ['gzip;q=0', false],
    ['gzip; q=0.000', false],
    ['gzip;q=0.', false],
    // Listed and refused: the wildcard does not bring it back.
    ['gzip;q=0, *', false],
    ['*, gzip;q=0', false],
    ['*;q=0', false],
    ['br, deflate', false],
    ['identity', false],
    // A weight that is not a qvalue counts as refused.
    ['gzip;q=2', false],
    ['gzip;q=abc', false],
    ['gzip;q=0.0001', false],
    ['', false],
    [undefined, false],
    // Over 256 characters: not read (a real one is about 25), so a 16 KB header costs nothing to refuse.
    [`${'identity, '.repeat(25)}gzip`, true],
    [`${'identity, '.repeat(26)}gzip`, false],
    [`${','.repeat(16_000)}gzip`, false],
  ] as const)('%j → %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes as sent (undici's request does not decompress). */
  raw: Buffer;
}

async function send(gateway: Gateway, path: string, init: { method?: 'GET' | 'POST'; body?: unknown; headers?: Record<string, string> }): Promise<Answer> {
  const response = await request(`${gateway.url}${path}`, {
    method: init.method ?? 'POST',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.statusCode, headers: response.headers, raw: Buffer.from(await response.body.arrayBuffer()) };
}

const KEY = { 'x-api-key': 'demo-public-key-pro' };
const catalog = { query: CATALOG, variables: { first: 20 } };
const dataOf = (bytes: Buffer) => (JSON.parse(bytes.toString('utf8')) as { data: unknown }).data;

// Every case once with the main thread's own listener and once through the edge thread, which must answer alike.
describe.each(EDGE_MODES)('Answers gzip-compressed by default, served by $edge', ({ edgeThread }) => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { OVERLOAD_EDGE_THREAD: edgeThread, CORS_ORIGINS: 'https://app.example' } });
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('compresses an answer of 2 KB or more for a client that accepts gzip: the same data, its length as sent, Vary on the encoding', async () => {
    const plain = await send(gateway, '/public/graphql', { body: catalog, headers: KEY });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.raw.length).toBeGreaterThan(2048);
    // The answer depends on Accept-Encoding whether or not this one was compressed; CORS's Origin stays.
    expect(plain.headers['vary']).toBe('Origin, Accept-Encoding');

    const zipped = await send(gateway, '/public/graphql', { body: catalog, headers: { ...KEY, 'accept-encoding': 'gzip, deflate, br' } });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['vary']).toBe('Origin, Accept-Encoding');
    expect(Number(zipped.headers['content-length'])).toBe(zipped.raw.length);
    expect(zipped.raw.length).toBeLessThan(plain.raw.length / 3);
    // Level 1 by default: gzip's header says "fastest" (XFL 4, RFC 1952 2.3.1).
    expect(zipped.raw[8]).toBe(4);
    expect(dataOf(gunzipSync(zipped.raw))).toEqual(dataOf(plain.raw));
  });

  it('sends as it is an answer under 2 KB (a product page), and any answer to a client that refuses gzip', async () => {
    const small = await send(gateway, '/web/graphql', { body: { query: PRODUCT_PAGE, variables: { id: 'p1' } }, headers: { 'accept-encoding': 'gzip' } });
    expect(small.status).toBe(200);
    expect(small.raw.length).toBeGreaterThan(500);
    expect(small.raw.length).toBeLessThan(2048);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers['vary']).toBe('Origin, Accept-Encoding');
    expect(dataOf(small.raw)).toMatchObject({ product: { id: 'p1' } });
    for (const acceptEncoding of ['gzip;q=0', 'br', 'identity']) {
      const refused = await send(gateway, '/public/graphql', { body: catalog, headers: { ...KEY, 'accept-encoding': acceptEncoding } });
      expect(refused.headers['content-encoding'], acceptEncoding).toBeUndefined();
      expect(dataOf(refused.raw), acceptEncoding).toMatchObject({ products: { edges: expect.any(Array) } });
    }
  });

  it('adds the encoding to the Vary of an answer a CDN may share', async () => {
    const query = 'query Shelf($first: Int!) { products(first: $first) { edges { node { id name description } } } }';
    const hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash } };
    expect((await send(gateway, '/web/graphql', { body: { query, variables: { first: 20 }, extensions } })).status).toBe(200);
    const params = new URLSearchParams({ extensions: JSON.stringify(extensions), variables: JSON.stringify({ first: 20 }) });
    const shared = await send(gateway, `/web/graphql?${params}`, { method: 'GET', headers: { 'apollo-require-preflight': 'true', 'accept-encoding': 'gzip' } });
    expect(shared.status).toBe(200);
    expect(shared.headers['cache-control']).toBe('public, max-age=30');
    expect(shared.headers['content-encoding']).toBe('gzip');
    expect(shared.headers['vary']).toBe('Origin, Authorization, X-API-Key, Accept, X-Cost-Dry-Run, Accept-Encoding');
    expect(dataOf(gunzipSync(shared.raw))).toMatchObject({ products: { edges: expect.any(Array) } });
  });
});

describe('RESPONSE_COMPRESSION settings', () => {
  it('off: no answer is compressed and none varies on the encoding', async () => {
    const gateway = await startTestGateway({ env: { RESPONSE_COMPRESSION: 'off' } });
    try {
      const answer = await send(gateway, '/public/graphql', { body: catalog, headers: { ...KEY, 'accept-encoding': 'gzip' } });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(String(answer.headers['vary'] ?? '')).not.toContain('Accept-Encoding');
      expect(dataOf(answer.raw)).toMatchObject({ products: { edges: expect.any(Array) } });
    } finally {
      await gateway.close();
    }
  });

  it('RESPONSE_COMPRESSION_MIN_BYTES=0 compresses the smallest answer, at the level set', async () => {
    const gateway = await startTestGateway({ env: { RESPONSE_COMPRESSION_MIN_BYTES: '0', RESPONSE_COMPRESSION_LEVEL: '9' } });
    try {
      const small = await send(gateway, '/public/graphql', { body: { query: '{ __typename }' }, headers: { ...KEY, 'accept-encoding': 'gzip' } });
      expect(small.headers['content-encoding']).toBe('gzip');
      expect(dataOf(gunzipSync(small.raw))).toEqual({ __typename: 'Query' });
      // gzip's header names the level: XFL 2 is "maximum compression" (RFC 1952 2.3.1), 4 would be "fastest".
      expect(small.raw[8]).toBe(2);
    } finally {
      await gateway.close();
    }
  });
});
