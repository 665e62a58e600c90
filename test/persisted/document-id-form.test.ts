import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { bearer, startTestGateway, tokenFor } from '../helpers/gateway.js';
import { codeOf, post, trusted, type Raw } from './requests.js';

const productPage = trusted('web', 'ProductPage');
const dashboard = trusted('mobile', 'MobileDashboard');
const placeOrder = trusted('web', 'PlaceOrder');

/** A GET with the given search parameters, as they are written (values JSON-encoded by the caller where needed). */
async function getWith(gateway: Gateway, audience: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Raw> {
  const response = await fetch(`${gateway.url}/${audience}/graphql?${new URLSearchParams(params)}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Raw['body'] };
}

const PREFLIGHT = { 'apollo-require-preflight': 'true' };

describe('The persisted documents request form (`documentId`), with TRUSTED_DOCUMENTS=required', () => {
  let gateway: Gateway;
  let user: Record<string, string>;
  beforeAll(async () => {
    gateway = await startTestGateway({ env: { TRUSTED_DOCUMENTS: 'mobile=required,web=required' } });
    user = bearer(await tokenFor('u1', { tier: 'pro', scope: 'orders:write' }));
  });
  afterAll(() => gateway?.close());

  it('runs a manifest operation by `documentId` in a POST body, with the sha256: prefix or as bare hex, priced as by hash', async () => {
    for (const documentId of [`sha256:${productPage.id}`, productPage.id]) {
      const r = await post(gateway, 'web', { documentId, variables: { id: 'p2' }, operationName: 'ProductPage' });
      expect(r.status).toBe(200);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data).toMatchObject({ product: { id: 'p2', stockLevel: 'LOW' } });
    }
    const mobile = await post(gateway, 'mobile', { documentId: `sha256:${dashboard.id}` }, user);
    expect(mobile.body.data).toMatchObject({ dashboard: { user: { id: 'u1' } } });
    expect(mobile.body.extensions?.['cost']).toMatchObject({ requestedQueryCost: dashboard.cost.estimate });
    // Other extensions the client sends are kept (a dry run is one).
    const dryRun = await post(gateway, 'web', { documentId: productPage.id, variables: { id: 'p2' }, extensions: { unrelated: true } }, { 'x-cost-dry-run': 'true' });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body.data).toBeUndefined();
  });

  it('runs one over GET, which a CDN may keep when anonymous, and refuses a mutation over GET with 405', async () => {
    const query = await getWith(gateway, 'web', { documentId: `sha256:${productPage.id}`, variables: JSON.stringify({ id: 'p2' }) }, PREFLIGHT);
    expect(query.status).toBe(200);
    expect(query.body.data).toMatchObject({ product: { id: 'p2' } });
    expect(query.headers.get('cache-control')).toBe('public, max-age=30');
    const signedIn = await getWith(gateway, 'web', { documentId: `sha256:${productPage.id}`, variables: JSON.stringify({ id: 'p2' }) }, { ...PREFLIGHT, ...user });
    expect(signedIn.headers.get('cache-control')).toBe('no-store');
    const variables = JSON.stringify({ input: { idempotencyKey: 'document-id-get-1', lines: [{ productId: 'p1', quantity: 1 }] } });
    const mutation = await getWith(gateway, 'web', { documentId: placeOrder.id, variables }, { ...PREFLIGHT, ...user });
    expect(mutation.status).toBe(405);
    // Still a CSRF-prevented GET without the preflight header.
    const bare = await getWith(gateway, 'web', { documentId: productPage.id, variables: JSON.stringify({ id: 'p2' }) });
    expect(bare.status).toBe(400);
  });

  it('answers a GET by `documentId` alone as a GraphQL request, not with the playground page, whatever its Accept', async () => {
    const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    const response = await fetch(`${gateway.url}/web/graphql?documentId=${productPage.id}`, { headers: { ...PREFLIGHT, accept: browserAccept } });
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    expect(((await response.json()) as Raw['body']).errors?.[0]?.message).toMatch(/\$id/);
  });

  it('answers an id outside the manifest PERSISTED_QUERY_NOT_FOUND, as by hash', async () => {
    const r = await post(gateway, 'web', { documentId: `sha256:${'0'.repeat(64)}` });
    expect(r.status).toBe(200);
    expect(codeOf(r)).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a malformed `documentId`, or one sent with another form of the document, with 400 BAD_REQUEST', async () => {
    const malformed = [
      { documentId: 42 },
      { documentId: null },
      { documentId: 'sha1:' + 'a'.repeat(40) },
      { documentId: 'sha256:' + productPage.id.toUpperCase() },
      { documentId: productPage.id + ' ' },
      { documentId: productPage.id, query: productPage.body },
      { documentId: productPage.id, extensions: { persistedQuery: { version: 1, sha256Hash: productPage.id } } },
      { documentId: productPage.id, extensions: 'persisted' },
    ];
    for (const body of malformed) {
      const r = await post(gateway, 'web', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(codeOf(r)).toBe('BAD_REQUEST');
    }
    for (const params of [
      { documentId: 'nope' },
      { documentId: productPage.id, query: productPage.body },
      { documentId: productPage.id, extensions: '{not json' },
    ]) {
      const r = await getWith(gateway, 'web', params, PREFLIGHT);
      expect(r.status, JSON.stringify(params)).toBe(400);
      expect(codeOf(r)).toBe('BAD_REQUEST');
    }
    const twice = await fetch(`${gateway.url}/web/graphql?documentId=${productPage.id}&documentId=${dashboard.id}`, { headers: PREFLIGHT });
    expect(twice.status).toBe(400);
    // A second `extensions` is not dropped unread (it may hold a persistedQuery naming another document).
    const otherHash = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: dashboard.id } }));
    const extensionsTwice = await fetch(`${gateway.url}/web/graphql?documentId=${productPage.id}&variables=${encodeURIComponent('{"id":"p2"}')}&extensions=%7B%7D&extensions=${otherHash}`, { headers: PREFLIGHT });
    expect(extensionsTwice.status).toBe(400);
    expect(extensionsTwice.headers.get('cache-control')).toBe('no-store');
  });

  it('is no way around the public API having no persisted queries: answered as an APQ hash there', async () => {
    const r = await post(gateway, 'public', { documentId: `sha256:${productPage.id}` });
    expect(r.body.errors?.[0]?.message).toBe('PersistedQueryNotSupported');
  });
});
