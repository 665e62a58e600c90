import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClients } from '../../clients/create-clients.js';
import { SERVICE_NAMES } from '../../clients/index.js';
import { type Harness, startHarness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterEach(() => h.reset());
afterAll(() => h.close());

describe('Clients: health', () => {
  it('is true for every service answering 200 {status:"ok"} under its path prefix', async () => {
    expect(await Promise.all(SERVICE_NAMES.map((s) => h.clients.health(s)))).toEqual(SERVICE_NAMES.map(() => true));
    expect(h.upstream.requests.map((r) => `${r.service} ${r.path}`)).toEqual(SERVICE_NAMES.map((s) => `${s} /health`));
  });

  it.each([
    ['a 503', { status: 503 }],
    ['a 200 with another status', { status: 200, body: '{"status":"degraded"}' }],
    ['a 200 that is not JSON', { status: 200, body: 'ok' }],
  ])('is false, without retrying or throwing, on %s', async (_, override) => {
    h.hook(() => override);
    expect(await h.clients.health('pricing')).toBe(false);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('is false within its own short deadline when the service hangs', async () => {
    h.hook(() => new Promise<void>(() => {}));
    const started = Date.now();
    expect(await h.clients.health('orders', 200)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  // The bound above cannot tell a 200 ms deadline from the 1 s default; an answer that only a longer deadline waits for can.
  it('waits as long as its caller allows: true for a service answering after 1.5 s under a 3 s deadline', async () => {
    h.hook(() => sleep(1_500).then(() => undefined));
    expect(await h.clients.health('orders', 3_000)).toBe(true);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('is false when nothing listens at the URL', async () => {
    const clients = createClients({ urls: { ...h.upstream.urls, users: 'http://127.0.0.1:1/users-svc' } });
    expect(await clients.health('users')).toBe(false);
    clients.close();
  });

  it('reports every call to onCall with route, status and attempts', async () => {
    await h.clients.health('reviews');
    await h.api.reviews.listReviews('fx-p1');
    expect(h.events).toEqual([
      expect.objectContaining({ service: 'reviews', method: 'GET', route: '/health', status: 200, attempts: 1 }),
      expect.objectContaining({ service: 'reviews', method: 'GET', route: '/reviews', status: 200, attempts: 1 }),
    ]);
    expect(h.events[0]!.errorCode).toBeUndefined();
    expect(h.events[0]!.durationMs).toBeGreaterThanOrEqual(0);
  });
});
