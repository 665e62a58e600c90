import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { bearer, startTestGateway, tokenFor } from '../helpers/gateway.js';

/**
 * The mobile apps' GraphQL clients, as they put requests on the wire (their
 * request composers' defaults), and what each needs of the answer to read it.
 */

/** Apollo Kotlin 4 (`DefaultHttpRequestComposer`): every query and mutation. */
const KOTLIN_ACCEPT = 'multipart/mixed;deferSpec=20220824, application/graphql-response+json, application/json';
/** Apollo iOS 1.x (`JSONRequest`). */
const IOS_ACCEPT = 'multipart/mixed;boundary="graphql";deferSpec=20220824,application/json';

const DASHBOARD = 'query Dashboard { dashboard { user { id name } unreadCount } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Reply {
  status: number;
  type: string | null;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function reply(response: Response): Promise<Reply> {
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Reply['body'] };
}

describe('Apollo Kotlin and Apollo iOS against the mobile endpoint', () => {
  let gateway: Gateway;
  let auth: Record<string, string>;
  beforeAll(async () => {
    gateway = await startTestGateway();
    auth = bearer(await tokenFor('u1', { tier: 'pro' }));
  });
  afterAll(() => gateway.close());

  const endpoint = () => `${gateway.url}/mobile/graphql`;
  /** Apollo Kotlin's GET: `operationName`, `variables`, then `extensions`, with its preflight header. */
  const kotlinGet = (hash: string) => {
    const search = new URLSearchParams({
      operationName: 'Dashboard',
      variables: '{}',
      extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }),
    });
    return fetch(`${endpoint()}?${search}`, { headers: { ...auth, accept: KOTLIN_ACCEPT, 'apollo-require-preflight': 'true', 'accept-encoding': 'gzip' } });
  };

  it('serves Apollo Kotlin APQ over GET: a miss it recognises by message, the POST that registers, then hits', async () => {
    const hash = sha256(DASHBOARD);
    const miss = await reply(await kotlinGet(hash));
    expect(miss.status).toBe(200);
    // Apollo Kotlin and Apollo iOS match the message, not the code, to resend with the document.
    expect(miss.body.errors?.[0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    expect(miss.type).toMatch(/^application\/graphql-response\+json/);

    const registered = await reply(
      await fetch(endpoint(), {
        method: 'POST',
        headers: { ...auth, accept: KOTLIN_ACCEPT, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({
          operationName: 'Dashboard',
          variables: {},
          query: DASHBOARD,
          extensions: { persistedQuery: { version: 1, sha256Hash: hash }, clientLibrary: { name: 'apollo-kotlin', version: '4.3.1' } },
        }),
      }),
    );
    expect(registered.status).toBe(200);
    expect(registered.body.errors).toBeUndefined();
    expect(registered.body.data).toMatchObject({ dashboard: { user: { id: 'u1' } } });

    const hit = await reply(await kotlinGet(hash));
    expect(hit.status).toBe(200);
    expect(hit.body.data).toEqual(registered.body.data);
  });

  it('answers Apollo iOS (operation headers, Content-Type on a GET, no graphql-response+json in Accept) as application/json', async () => {
    const search = new URLSearchParams({ query: DASHBOARD, operationName: 'Dashboard' });
    const answer = await reply(
      await fetch(`${endpoint()}?${search}`, {
        headers: {
          ...auth,
          accept: IOS_ACCEPT,
          'content-type': 'application/json',
          'x-apollo-operation-name': 'Dashboard',
          'x-apollo-operation-type': 'query',
          'apollographql-client-name': 'com.example.shop-apollo-ios',
          'apollographql-client-version': '5.2.1-1234',
        },
      }),
    );
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^application\/json/);
    expect(answer.body.data).toMatchObject({ dashboard: { user: { id: 'u1' } } });
  });

  it('answers a document with @defer in one JSON body the multipart-accepting client parses, never a multipart stream', async () => {
    const answer = await reply(
      await fetch(endpoint(), {
        method: 'POST',
        headers: { ...auth, accept: KOTLIN_ACCEPT, 'content-type': 'application/json' },
        body: JSON.stringify({ operationName: 'Deferred', query: 'query Deferred { dashboard { user { id } ... @defer { unreadCount } } }', variables: {} }),
      }),
    );
    // A non-2xx answer is read (not thrown as an HTTP error) by Apollo Kotlin 4.1+ only under this media type.
    expect(answer.type).toMatch(/^application\/graphql-response\+json/);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it("refuses Apollo Kotlin's HTTP batch with one 400 error object, running none of it", async () => {
    const operation = { operationName: 'Dashboard', variables: {}, query: DASHBOARD };
    const answer = await reply(
      await fetch(endpoint(), {
        method: 'POST',
        headers: { ...auth, accept: KOTLIN_ACCEPT, 'content-type': 'application/json' },
        body: JSON.stringify([operation, operation]),
      }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });
});
