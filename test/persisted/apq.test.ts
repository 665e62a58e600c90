import { createHash } from 'node:crypto';
import { ApolloClient, HttpLink, InMemoryCache, gql, type NormalizedCacheObject } from '@apollo/client/core';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Audience } from '../../src/context.js';
import type { Gateway } from '../../src/gateway.js';
import { startTestGateway } from '../helpers/gateway.js';
import { byHash, codeOf, get, post } from './requests.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// Apollo Client 3.14.0 warns about its own internal `canonizeResults` (see test/client/apollo-client.test.ts).
(globalThis as Record<symbol, unknown>)[Symbol.for('apollo.deprecations')] = true;

/** What the gateway received and answered, request by request, as the client's fetch saw it. */
interface Exchange {
  method: string;
  body: { query?: string; extensions?: { persistedQuery?: { sha256Hash: string } } } | null;
  url: string;
  reply: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

function recordingFetch(into: Exchange[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    into.push({
      method: init?.method ?? 'GET',
      url: String(input),
      body: typeof init?.body === 'string' ? (JSON.parse(init.body) as Exchange['body']) : null,
      reply: (await response.clone().json()) as Exchange['reply'],
    });
    return response;
  };
}

/** A fresh app: its own cache (so every query goes to the network) and the APQ link in front of HttpLink. */
function app(gateway: Gateway, audience: Audience, exchanges: Exchange[], useGETForHashedQueries = false) {
  return new ApolloClient<NormalizedCacheObject>({
    link: createPersistedQueryLink({ sha256, useGETForHashedQueries }).concat(
      new HttpLink({ uri: `${gateway.url}/${audience}/graphql`, fetch: recordingFetch(exchanges) }),
    ),
    cache: new InMemoryCache(),
  });
}

/** Not in the web manifest, so it exercises automatic registration. */
const PRODUCT_NAME = gql`
  query ProductName($id: ID!) {
    product(id: $id) { id name }
  }
`;
interface ProductNameData {
  product: { id: string; name: string } | null;
}

describe('Automatic persisted queries (development: trusted documents off)', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(() => gateway?.close());

  it("registers a query on @apollo/client's first miss, then every app sends only its hash", async () => {
    const exchanges: Exchange[] = [];
    const first = await app(gateway, 'web', exchanges).query<ProductNameData>({ query: PRODUCT_NAME, variables: { id: 'p1' } });
    expect(first.data.product?.id).toBe('p1');
    expect(exchanges).toHaveLength(2);
    const [miss, register] = exchanges as [Exchange, Exchange];
    expect(miss.body?.query).toBeUndefined();
    expect(miss.reply.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(register.body?.query).toContain('query ProductName');
    const hash = register.body?.extensions?.persistedQuery?.sha256Hash;
    expect(hash).toBe(sha256(register.body!.query!));

    // Another app instance (empty client cache) goes by hash alone, and the gateway knows it.
    const second = await app(gateway, 'web', exchanges).query<ProductNameData>({ query: PRODUCT_NAME, variables: { id: 'p2' } });
    expect(second.data.product?.id).toBe('p2');
    expect(exchanges).toHaveLength(3);
    expect(exchanges[2]!.body?.query).toBeUndefined();
    expect(exchanges[2]!.body?.extensions?.persistedQuery?.sha256Hash).toBe(hash);
  });

  it('refuses a hash that does not match the query sent with it, and registers nothing under either hash', async () => {
    const sent = 'query Sent { product(id: "p1") { id } }';
    const claimed = 'query Claimed { product(id: "p1") { name } }';
    const mismatch = await post(gateway, 'mobile', { query: sent, extensions: byHash(sha256(claimed)) });
    expect(mismatch.status).toBe(400);
    expect(codeOf(mismatch)).toBe('BAD_REQUEST');
    expect(mismatch.body.errors?.[0]?.message).toBe('provided sha does not match query');
    for (const text of [sent, claimed]) {
      const later = await post(gateway, 'mobile', { extensions: byHash(sha256(text)) });
      expect(codeOf(later)).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
  });

  it('refuses a persisted query of another protocol version with BAD_REQUEST', async () => {
    const r = await post(gateway, 'web', { extensions: { persistedQuery: { version: 2, sha256Hash: sha256('{ __typename }') } } });
    expect(r.status).toBe(400);
    expect(codeOf(r)).toBe('BAD_REQUEST');
  });

  it('runs a registered query by hash over GET with a preflight header, cacheable by a CDN only when anonymous and error-free', async () => {
    const query = 'query StockOnly($id: ID!) { product(id: $id) { id inStock } }';
    expect((await post(gateway, 'web', { query, variables: { id: 'p1' }, extensions: byHash(sha256(query)) })).status).toBe(200);
    const params = { extensions: byHash(sha256(query)), variables: { id: 'p3' } };
    const bare = await get(gateway, 'web', params);
    expect(bare.status).toBe(400); // CSRF prevention: a simple GET could come from any web page
    const r = await get(gateway, 'web', params, { 'apollo-require-preflight': 'true' });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ product: { id: 'p3', inStock: false } });
    expect(r.headers.get('cache-control')).toBe('public, max-age=30');
    // An answer with an error (here: a viewer field without a token) is never shared.
    const viewer = 'query Me { me { id } }';
    await post(gateway, 'web', { query: viewer, extensions: byHash(sha256(viewer)) });
    const failed = await get(gateway, 'web', { extensions: byHash(sha256(viewer)) }, { 'apollo-require-preflight': 'true' });
    expect(failed.body.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(failed.headers.get('cache-control')).toBe('no-store');
    // The full query text in the URL is not an id: no-store.
    const text = await fetch(`${gateway.url}/web/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent('{"id":"p3"}')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(text.headers.get('cache-control')).toBe('no-store');
    const posted = await post(gateway, 'web', { query, variables: { id: 'p3' } });
    expect(posted.headers.get('cache-control')).toBe('no-store');
  });

  it('lets @apollo/client send hashed queries as GET, falling back to a POST to register', async () => {
    const exchanges: Exchange[] = [];
    const query = gql`
      query ProductRating($id: ID!) {
        product(id: $id) { id rating }
      }
    `;
    await app(gateway, 'web', exchanges, true).query({ query, variables: { id: 'p1' } });
    await app(gateway, 'web', exchanges, true).query({ query, variables: { id: 'p2' } });
    expect(exchanges.map((e) => e.method)).toEqual(['GET', 'POST', 'GET']);
    expect(exchanges[2]!.url).toContain('extensions=');
    expect(exchanges[2]!.reply.data).toEqual({ product: { __typename: 'Product', id: 'p2', rating: expect.any(Number) } });
  });

  it('keeps the public API to full queries: its APQ is off, and the link falls back to sending the query', async () => {
    const exchanges: Exchange[] = [];
    const client = new ApolloClient<NormalizedCacheObject>({
      link: createPersistedQueryLink({ sha256 }).concat(
        new HttpLink({ uri: `${gateway.url}/public/graphql`, fetch: recordingFetch(exchanges), headers: { 'x-api-key': 'demo-public-key-pro' } }),
      ),
      cache: new InMemoryCache(),
    });
    const catalog = gql`
      query FirstProduct { products(first: 1) { edges { node { id } } } }
    `;
    await client.query({ query: catalog });
    await client.query({ query: catalog, fetchPolicy: 'network-only' });
    expect(exchanges[0]!.reply.errors?.[0]?.message).toBe('PersistedQueryNotSupported');
    expect(exchanges.slice(1).map((e) => e.body?.query !== undefined)).toEqual([true, true]);
    expect(exchanges[2]!.body?.extensions?.persistedQuery).toBeUndefined();
  });
});
