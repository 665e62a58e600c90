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

describe('The gateway under a capped heap', () => {
  let upstream: FixtureUpstream | undefined;
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await upstream?.close();
    gateway = upstream = undefined;
  });

  it('keeps serving while a catalog crawl fills its response cache under --max-old-space-size=128', async () => {
    upstream = await startFixtureUpstream({
      onRequest: (req) => {
        if (req.service !== 'products' || req.path !== '/products') return undefined;
        const ids = (req.query.get('ids') ?? '').split(',');
        return { status: 200, body: JSON.stringify({ items: ids.map(heavyProduct) }), headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' } };
      },
    });
    // The heap cap operators are told to set for a tight container (docs/operations.md, Memory).
    gateway = await spawnGateway(upstream.urls, { NODE_OPTIONS: '--max-old-space-size=128', AUDIENCES: 'web' });
    const child = gateway.child;
    // Each answer is kept for five minutes under its own URL: 20 of them are about 100 MB of text.
    for (let batch = 0; batch < 20; batch++) {
      const response = await fetch(`${gateway.url}/web/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: productsDocument(batch, 20) }),
      }).catch((error: unknown) => error as Error);
      expect(response instanceof Response ? response.status : `${String(response)} (exit ${child.exitCode ?? child.signalCode})`).toBe(200);
      const body = (await (response as Response).json()) as { data?: Record<string, { id: string }>; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data?.['p0']?.id).toBe(`b${batch}-0`);
    }
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    expect(child.exitCode).toBeNull();
  }, 120_000);
});
