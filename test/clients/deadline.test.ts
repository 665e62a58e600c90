import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { META, type Harness, rejectionOf, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ timeoutMs: 5_000 });
});
afterEach(() => h.reset());
afterAll(() => h.close());

describe('Clients: the operation deadline', () => {
  it('shrinks a call’s own 5 s timeout to what is left of the operation’s deadline', async () => {
    h.hook(() => new Promise<void>(() => {}));
    const api = h.clients.forRequest({ ...META, deadline: performance.now() + 300 });
    const started = performance.now();
    expect(await rejectionOf(api.reviews.listReviews('fx-p1'))).toMatchObject({ code: 'UPSTREAM_TIMEOUT', service: 'reviews' });
    expect(performance.now() - started).toBeLessThan(300 + 1_500);
  });

  it('fails a call made after the deadline at once, without sending anything', async () => {
    const api = h.clients.forRequest({ ...META, deadline: performance.now() - 1 });
    expect(await rejectionOf(api.users.getUser('fx-alice'))).toMatchObject({ code: 'UPSTREAM_TIMEOUT', message: 'users service timed out' });
    expect(h.upstream.requests).toHaveLength(0);
    expect(h.events).toEqual([expect.objectContaining({ attempts: 0, errorCode: 'UPSTREAM_TIMEOUT' })]);
  });

  it('starts the deadline when a request’s clients are made: a second level after a slow first one gets only the rest', async () => {
    const short = await startHarness({ timeoutMs: 2_000 });
    try {
      short.hook((req) => (req.service === 'products' ? sleep(1_800).then(() => undefined) : new Promise<void>(() => {})));
      const api = short.clients.forRequest(META);
      const started = performance.now();
      expect(await api.products.getProductsByIds(['fx-p1'])).toHaveLength(1);
      expect(await rejectionOf(api.users.getUsersByIds(['fx-alice']))).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
      // Own timeouts alone would take 1800 + 2000 ms.
      expect(performance.now() - started).toBeLessThan(2_000 + 1_200);
    } finally {
      await short.close();
    }
  });

  it('never retries past the deadline', async () => {
    h.hook(() => ({ status: 503 }));
    const api = h.clients.forRequest({ ...META, deadline: performance.now() + 60 });
    await rejectionOf(api.users.getUser('fx-alice'));
    // 60 ms leave room for one attempt, not for a backoff plus a second one.
    expect(h.upstream.requests.length).toBeLessThanOrEqual(1);
  });
});
