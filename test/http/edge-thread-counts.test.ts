import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createEdgeThread } from '../../src/http/edge-thread.js';
import { createOverloadGuard } from '../../src/http/overload.js';

// The worker counts the GraphQL requests it forwards, the main thread those it settled, both in 32 bits: in flight is
// the difference. After 2^31 requests (24 days at 1,000 a second) the counts wrap, and must still tell in flight apart.
describe("The edge thread's counts of requests in flight", () => {
  it('keeps admitting requests once its 32-bit counts wrap around', async () => {
    const guard = createOverloadGuard({ maxInFlight: 2, targetEventLoopDelayMs: 0, maxEventLoopDelayMs: 0, retryAfterSeconds: 1 });
    let served = 0;
    const edge = createEdgeThread(
      async (_req, res) => {
        served += 1;
        res.statusCode = 200;
        res.end('{"data":{}}');
      },
      {
        limits: {},
        mainThreadNice: 0,
        maxBodyBytes: 1_000,
        retryAfterSeconds: 1,
        corsOrigins: [],
        audiences: ['web'],
        guard,
        onShed: () => undefined,
        firstCount: 2 ** 31 - 3,
      },
    );
    await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = edge.address() as AddressInfo;
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/web/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ __typename }"}',
        });
        await response.text();
        statuses.push(response.status);
      }
      // One at a time, never more than one in flight: none is refused, before the wrap or after it.
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
      expect(served).toBe(8);
    } finally {
      await new Promise<void>((resolve) => edge.close(resolve));
      guard.close();
    }
  });
});
