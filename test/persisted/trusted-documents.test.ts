import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApolloClient, HttpLink, InMemoryCache, gql, type NormalizedCacheObject } from '@apollo/client/core';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { bearer, captureLogs, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { byHash, codeOf, get, logLines, post, trusted } from './requests.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
(globalThis as Record<symbol, unknown>)[Symbol.for('apollo.deprecations')] = true;

const UNTRUSTED = '{ product(id: "p1") { id name } }';
const dashboard = trusted('mobile', 'MobileDashboard');
const productPage = trusted('web', 'ProductPage');
const placeOrder = trusted('web', 'PlaceOrder');

let user: Record<string, string>;
beforeAll(async () => {
  user = bearer(await tokenFor('u1', { tier: 'pro', scope: 'orders:write notifications:write' }));
});

describe('Trusted documents, required (TRUSTED_DOCUMENTS=mobile=required,web=required)', () => {
  let gateway: Gateway;
  const logs = captureLogs();
  beforeAll(async () => {
    gateway = await startTestGateway({
      env: { TRUSTED_DOCUMENTS: 'mobile=required,web=required', LOG_LEVEL: 'info' },
      logDestination: logs.destination,
    });
  });
  afterAll(() => gateway?.close());
  beforeEach(() => {
    logs.lines.length = 0;
  });

  it('runs a manifest operation sent by its id alone, priced with its variables as at build time', async () => {
    const r = await post(gateway, 'mobile', { extensions: byHash(dashboard.id) }, user);
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ dashboard: { user: { id: 'u1' }, unreadCount: 6 } });
    expect(r.body.extensions?.['cost']).toMatchObject({ requestedQueryCost: dashboard.cost.estimate });

    const history = trusted('web', 'OrderHistory');
    const priced = await post(gateway, 'web', { extensions: byHash(history.id), variables: history.cost.assuming }, user);
    expect(priced.body.extensions?.['cost']).toMatchObject({ requestedQueryCost: history.cost.estimate });
    const small = await post(gateway, 'web', { extensions: byHash(history.id), variables: { first: 5 } }, user);
    expect((small.body.extensions?.['cost'] as { requestedQueryCost: number }).requestedQueryCost).toBeLessThan(history.cost.estimate);
  });

  it('refuses a document outside the manifest with PERSISTED_QUERY_NOT_ALLOWED before parsing, validating or calling a service', async () => {
    const r = await post(gateway, 'web', { query: UNTRUSTED });
    expect(r.status).toBe(400);
    expect(codeOf(r)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    expect(r.body.data).toBeUndefined();
    const [request] = logLines(logs.lines, 'request');
    expect(request).toMatchObject({ upstreamRequests: 0, errorCodes: ['PERSISTED_QUERY_NOT_ALLOWED'] });
    expect(logLines(logs.lines, 'untrusted document refused')).toEqual([expect.objectContaining({ documentHash: sha256(UNTRUSTED) })]);

    // A misspelt field would get a validation message naming the schema's fields; a refused document gets none.
    const probe = await post(gateway, 'mobile', { query: '{ dashbord { id } }' });
    expect(codeOf(probe)).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    expect(JSON.stringify(probe.body)).not.toMatch(/dashbord|Cannot query/);
  });

  it('answers an unknown id with PERSISTED_QUERY_NOT_FOUND and never registers the document sent after it', async () => {
    const id = sha256(UNTRUSTED);
    expect(codeOf(await post(gateway, 'web', { extensions: byHash(id) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(codeOf(await post(gateway, 'web', { query: UNTRUSTED, extensions: byHash(id) }))).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    expect(codeOf(await post(gateway, 'web', { extensions: byHash(id) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it("runs the manifest's exact text sent in full, but not the same operation formatted otherwise", async () => {
    const exact = await post(gateway, 'web', { query: productPage.body, variables: { id: 'p1' } });
    expect(exact.status).toBe(200);
    expect(exact.body.data).toMatchObject({ product: { id: 'p1' } });
    const file = readFileSync(productPage.file, 'utf8');
    expect(codeOf(await post(gateway, 'web', { query: file, variables: { id: 'p1' } }))).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });

  it("lets @apollo/client's persisted-query link run a trusted operation by hash on its very first request", async () => {
    const bodies: { query?: string }[] = [];
    const client = new ApolloClient<NormalizedCacheObject>({
      link: createPersistedQueryLink({ sha256 }).concat(
        new HttpLink({
          uri: `${gateway.url}/web/graphql`,
          fetch: async (input, init) => {
            bodies.push(JSON.parse(String(init?.body)) as { query?: string });
            return fetch(input, init);
          },
        }),
      ),
      // The manifest holds the documents as written: a cache that adds __typename would change their hash.
      cache: new InMemoryCache({ addTypename: false }),
    });
    const { data } = await client.query<{ product: { id: string } }>({ query: gql(readFileSync(productPage.file, 'utf8')), variables: { id: 'p1' } });
    expect(data.product.id).toBe('p1');
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.query).toBeUndefined();

    // A document the app was not built with: the hash misses, the resent text is refused, and the app sees why.
    const failed = client.query({ query: gql(UNTRUSTED), fetchPolicy: 'network-only' });
    await expect(failed).rejects.toMatchObject({ networkError: { statusCode: 400 } });
    expect(bodies).toHaveLength(3);
  });

  it('runs a trusted query by id over GET (with a preflight header) and refuses a trusted mutation over GET with 405', async () => {
    const query = await get(gateway, 'web', { extensions: byHash(productPage.id), variables: { id: 'p2' } }, { 'apollo-require-preflight': 'true' });
    expect(query.status).toBe(200);
    expect(query.body.data).toMatchObject({ product: { id: 'p2', stockLevel: 'LOW' } });
    // Anonymous, by id, no errors: the same for everyone who sends this URL, so a CDN may keep it.
    expect(query.headers.get('cache-control')).toBe('public, max-age=30');
    expect(query.headers.get('vary')).toBe('Origin, Authorization, X-API-Key, Accept, X-Cost-Dry-Run, Accept-Encoding');
    // Nor the correlation id of the request that filled it, which every CDN hit would repeat.
    expect(query.headers.get('x-correlation-id')).toBeNull();
    // A dry run of the same URL answers its cost and no data: never for a CDN to keep (it would serve an empty page).
    const dryRun = await get(gateway, 'web', { extensions: byHash(productPage.id), variables: { id: 'p2' } }, { 'apollo-require-preflight': 'true', 'x-cost-dry-run': 'true' });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body.data).toBeUndefined();
    expect(dryRun.headers.get('cache-control')).toBe('no-store');
    const signedIn = await get(gateway, 'web', { extensions: byHash(productPage.id), variables: { id: 'p2' } }, { ...user, 'apollo-require-preflight': 'true' });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get('cache-control')).toBe('no-store');

    const variables = { input: { idempotencyKey: 'trusted-get-0001', lines: [{ productId: 'p1', quantity: 1 }] } };
    const mutation = await get(gateway, 'web', { extensions: byHash(placeOrder.id), variables }, { ...user, 'apollo-require-preflight': 'true' });
    expect(mutation.status).toBe(405);
    expect(mutation.headers.get('allow')).toBe('POST');
    const posted = await post(gateway, 'web', { extensions: byHash(placeOrder.id), variables }, user);
    expect(posted.body.data).toMatchObject({ placeOrder: { order: { status: 'PENDING' } } });
  });
});

describe('Trusted documents, allow-listed (TRUSTED_DOCUMENTS=mobile=allow-listed,web=allow-listed)', () => {
  let gateway: Gateway;
  const logs = captureLogs();
  beforeAll(async () => {
    gateway = await startTestGateway({
      env: { TRUSTED_DOCUMENTS: 'mobile=allow-listed,web=allow-listed', LOG_LEVEL: 'info' },
      logDestination: logs.destination,
    });
  });
  afterAll(() => gateway?.close());

  it('runs a document outside the manifest and logs its hash, with its text the first time', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await post(gateway, 'web', { query: UNTRUSTED, operationName: null });
      expect(r.status).toBe(200);
      expect(r.body.data).toEqual({ product: { id: 'p1', name: expect.any(String) } });
    }
    const logged = logLines(logs.lines, 'untrusted document (allow-listed: run)');
    expect(logged).toHaveLength(2);
    expect(logged.map((l) => l['documentHash'])).toEqual([sha256(UNTRUSTED), sha256(UNTRUSTED)]);
    expect(logged.map((l) => l['document'])).toEqual([UNTRUSTED, undefined]);
    expect(logged[0]).toMatchObject({ level: 40, audience: 'web' });
  });

  it('runs manifest operations by id without logging them', async () => {
    logs.lines.length = 0;
    const r = await post(gateway, 'mobile', { extensions: byHash(dashboard.id) }, user);
    expect(r.body.data).toMatchObject({ dashboard: { user: { id: 'u1' } } });
    expect(logLines(logs.lines, 'untrusted document (allow-listed: run)')).toEqual([]);
    expect(logLines(logs.lines, 'request')).toHaveLength(1);
  });

  it('keeps automatic persisted queries: a hash the manifest does not know is looked up, and runs once registered', async () => {
    const text = 'query AllowListedApq($id: ID!) { product(id: $id) { id } }';
    const miss = await post(gateway, 'web', { extensions: byHash(sha256(text)), variables: { id: 'p2' } });
    expect(miss.status).toBe(200);
    expect(codeOf(miss)).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(gateway, 'web', { query: text, extensions: byHash(sha256(text)), variables: { id: 'p2' } });
    expect(registered.body.data).toEqual({ product: { id: 'p2' } });
    const byId = await post(gateway, 'web', { extensions: byHash(sha256(text)), variables: { id: 'p3' } });
    expect(byId.body.errors).toBeUndefined();
    expect(byId.body.data).toEqual({ product: { id: 'p3' } });
  });
});

describe('Trusted documents, off (the development default)', () => {
  let gateway: Gateway;
  const logs = captureLogs();
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { LOG_LEVEL: 'info' }, logDestination: logs.destination });
  });
  afterAll(() => gateway?.close());

  it('runs any document without logging it, and still runs manifest ids', async () => {
    expect((await post(gateway, 'web', { query: UNTRUSTED })).body.data).toMatchObject({ product: { id: 'p1' } });
    expect((await post(gateway, 'web', { extensions: byHash(productPage.id), variables: { id: 'p1' } })).body.data).toMatchObject({
      product: { id: 'p1' },
    });
    expect(logs.lines.filter((l) => l.includes('untrusted document'))).toEqual([]);
  });
});

// The store of automatic persisted queries is shared: by the audiences of one process, and by every process on one
// Redis (a rolling change of TRUSTED_DOCUMENTS runs both modes at once). A hash another mode registered is not trusted.
describe('Trusted documents, required next to an audience that registers automatic persisted queries', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { TRUSTED_DOCUMENTS: 'mobile=off,web=required' } });
  });
  afterAll(() => gateway?.close());

  it('never runs by hash a document registered where documents are not required', async () => {
    const text = 'query RegisteredElsewhere { __typename }';
    const registered = await post(gateway, 'mobile', { query: text, extensions: byHash(sha256(text)) });
    expect(registered.body.data).toEqual({ __typename: 'Query' });
    await expect.poll(async () => (await post(gateway, 'mobile', { extensions: byHash(sha256(text)) })).body.data).toEqual({ __typename: 'Query' });

    const onWeb = await post(gateway, 'web', { extensions: byHash(sha256(text)) });
    expect(codeOf(onWeb)).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(onWeb.body.data).toBeUndefined();
  });
});
