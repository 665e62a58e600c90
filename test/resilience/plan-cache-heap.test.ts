import { afterEach, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';

/** A distinct anonymous document of about 95 KB: a valid operation whose name is most of it. */
function longDocument(i: number): string {
  return `query Q${i}_${'x'.repeat(95_000)} { __typename }`;
}

describe('Plans and parsed documents under a capped heap', () => {
  let upstream: FixtureUpstream | undefined;
  let gateway: GatewayProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await upstream?.close();
    gateway = upstream = undefined;
  });

  // Both caches were bounded by count only (PLAN_CACHE_SIZE, 500): 500 documents of 95 KB each (the body limit is 100 KB), which any
  // anonymous caller may send, held several times their 47 MB of text on the heap and ran a 128 MB heap out of memory.
  it('keeps serving while an anonymous caller sends hundreds of distinct 95 KB documents', async () => {
    upstream = await startFixtureUpstream();
    gateway = await spawnGateway(upstream.urls, { NODE_OPTIONS: '--max-old-space-size=128', AUDIENCES: 'public' });
    const child = gateway.child;
    for (let i = 0; i < 500; i++) {
      const response = await fetch(`${gateway.url}/public/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: longDocument(i) }),
      }).catch((error: unknown) => error as Error);
      expect(response instanceof Response ? response.status : `${String(response)} (exit ${child.exitCode ?? child.signalCode})`).toBe(200);
      const body = (await (response as Response).json()) as { data?: { __typename?: string } };
      expect(body.data?.__typename).toBe('Query');
    }
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    expect(child.exitCode).toBeNull();
  }, 180_000);
});
