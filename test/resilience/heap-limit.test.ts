import { afterEach, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';

/** A product with many short tags: its parsed value takes about three times its JSON text on the heap. */
function heavyProduct(id: string) {
  return { id, name: id, description: 'd', categoryId: 'c1', imageUrl: 'i', thumbnailUrl: 't', tags: Array.from({ length: 15_000 }, (_, i) => `${id}-${i}`) };
}

/** One document asking for `count` products: the gateway reads them in one batch, one cacheable upstream answer of about 5 MB. */
function productsDocument(batch: number, count: number): string {
  return `{ ${Array.from({ length: count }, (_, i) => `p${i}: product(id: "b${batch}-${i}") { id name }`).join(' ')} }`;
}

/** A distinct anonymous document of about 95 KB: a valid operation whose name is most of it. */
function longDocument(i: number): string {
  return `query Q${i}_${'x'.repeat(95_000)} { __typename }`;
}

/** POSTs `query` to the audience's endpoint; the answer, or (the process gone) the error and how it ended. */
async function post(gateway: GatewayProcess, audience: string, query: string): Promise<{ status: number | string; body?: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}/${audience}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).catch(
    (error: unknown) => error as Error,
  );
  if (!(response instanceof Response)) return { status: `${String(response)} (exit ${gateway.child.exitCode ?? gateway.child.signalCode})` };
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

// The heap cap operators are told to set for a tight container (docs/operations.md, Memory).
describe('The gateway under --max-old-space-size=128', () => {
  let upstream: FixtureUpstream | undefined;
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await upstream?.close();
    gateway = upstream = undefined;
  });

  it('keeps serving while a catalog crawl fills its response cache', async () => {
    upstream = await startFixtureUpstream({
      onRequest: (req) => {
        if (req.service !== 'products' || req.path !== '/products') return undefined;
        const ids = (req.query.get('ids') ?? '').split(',');
        return { status: 200, body: JSON.stringify({ items: ids.map(heavyProduct) }), headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' } };
      },
    });
    gateway = await spawnGateway(upstream.urls, { NODE_OPTIONS: '--max-old-space-size=128', AUDIENCES: 'web' });
    // Each answer is kept for five minutes under its own URL: 20 of them are about 100 MB of text.
    for (let batch = 0; batch < 20; batch++) {
      const { status, body } = await post(gateway, 'web', productsDocument(batch, 20));
      expect(status).toBe(200);
      expect(body?.['errors']).toBeUndefined();
      expect((body?.['data'] as Record<string, { id: string }>)['p0']?.id).toBe(`b${batch}-0`);
    }
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    expect(gateway.child.exitCode).toBeNull();
  }, 120_000);

  // Both caches were bounded by count only (PLAN_CACHE_SIZE, 500): 500 documents of 95 KB each (the body limit is
  // 100 KB), which any anonymous caller may send, held several times their 47 MB of text and ran the heap out.
  it('keeps serving while an anonymous caller sends hundreds of distinct 95 KB documents', async () => {
    upstream = await startFixtureUpstream();
    gateway = await spawnGateway(upstream.urls, { NODE_OPTIONS: '--max-old-space-size=128', AUDIENCES: 'public' });
    for (let i = 0; i < 500; i++) {
      const { status, body } = await post(gateway, 'public', longDocument(i));
      expect(status).toBe(200);
      expect(body?.['data']).toEqual({ __typename: 'Query' });
    }
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    expect(gateway.child.exitCode).toBeNull();
  }, 180_000);
});
