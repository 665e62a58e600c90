import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createCircuitBreaker, type CircuitBreaker } from '../../clients/circuit-breaker.js';
import { UpstreamError } from '../../clients/index.js';
import { type Harness, rejectionOf, startHarness } from './harness.js';

/** A half-open circuit lets one probe through, no second call beside it, and the probe's success closes it. */
function expectOneProbeThatCloses(breaker: CircuitBreaker): void {
  expect(breaker.state()).toBe('half-open');
  const probe = breaker.acquire();
  expect(probe).toBeDefined();
  expect(breaker.acquire()).toBeUndefined();
  probe!.report('success');
  expect(breaker.state()).toBe('closed');
}

describe('Circuit breaker state machine', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };

  it('opens after the threshold of consecutive failures, and a success in between starts the count again', () => {
    const breaker = createCircuitBreaker({ failureThreshold: 3, cooldownMs: 100 });
    for (const verdict of ['failure', 'failure', 'success', 'failure', 'failure'] as const) breaker.acquire()!.report(verdict);
    expect(breaker.state()).toBe('closed');
    breaker.acquire()!.report('failure');
    expect(breaker.state()).toBe('open');
    expect(breaker.acquire()).toBeUndefined();
  });

  it('lets exactly one probe through after the cool-down; its success closes the circuit', () => {
    const c = clock();
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 100, now: c.now });
    breaker.acquire()!.report('failure');
    c.advance(99);
    expect(breaker.acquire()).toBeUndefined();
    c.advance(1);
    expectOneProbeThatCloses(breaker);
    expect(breaker.acquire()).toBeDefined();
  });

  it('re-opens for a whole new cool-down when the probe fails', () => {
    const c = clock();
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 100, now: c.now });
    breaker.acquire()!.report('failure');
    c.advance(100);
    breaker.acquire()!.report('failure');
    expect(breaker.state()).toBe('open');
    c.advance(99);
    expect(breaker.acquire()).toBeUndefined();
    c.advance(1);
    expect(breaker.acquire()).toBeDefined();
  });

  // An attempt that failed in this process (no descriptor, no local port) never reached the service.
  it('counts a local failure neither way, and a probe that fails locally leaves the next call to probe', () => {
    const c = clock();
    const breaker = createCircuitBreaker({ failureThreshold: 2, cooldownMs: 100, now: c.now });
    breaker.acquire()!.report('failure');
    for (let i = 0; i < 5; i++) breaker.acquire()!.report('local');
    expect(breaker.state()).toBe('closed');
    breaker.acquire()!.report('failure');
    expect(breaker.state()).toBe('open');
    c.advance(100);
    breaker.acquire()!.report('local');
    expectOneProbeThatCloses(breaker);
  });

  it('ignores the late report of an attempt started before the circuit changed state', () => {
    const c = clock();
    const breaker = createCircuitBreaker({ failureThreshold: 1, cooldownMs: 100, now: c.now });
    const slow = breaker.acquire()!;
    breaker.acquire()!.report('failure');
    c.advance(100);
    const probe = breaker.acquire()!;
    // The slow call from the closed period succeeds now: it says nothing about the service after the failure.
    slow.report('success');
    expect(breaker.state()).toBe('half-open');
    expect(breaker.acquire()).toBeUndefined();
    probe.report('failure');
    expect(breaker.state()).toBe('open');
  });
});

describe('Clients: circuit breaker per service', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('opens after 3 consecutive 500s: the next calls fail fast with UPSTREAM_UNAVAILABLE and reach nobody', async () => {
    h = await startHarness({ circuit: { failureThreshold: 3, cooldownMs: 60_000 } });
    h.hook(() => ({ status: 500, body: '{"error":{"code":"BOOM","message":"db at 10.0.0.7 down"}}' }));
    for (let i = 0; i < 3; i++) await rejectionOf(h.api.users.getUser('fx-alice'));
    expect(h.upstream.requests).toHaveLength(3);
    expect(h.clients.circuits().users).toBe('open');

    for (let i = 0; i < 5; i++) {
      const error = await rejectionOf(h.api.users.getUsersByIds(['fx-alice']));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'users', message: 'users service unavailable' });
    }
    expect(h.upstream.requests).toHaveLength(3);
    expect(h.events.slice(3)).toEqual(Array(5).fill(expect.objectContaining({ attempts: 0, circuitOpen: true })));
  });

  it('keeps the other services closed while one is open', async () => {
    h = await startHarness({ circuit: { failureThreshold: 2, cooldownMs: 60_000 } });
    h.hook((req) => (req.service === 'users' ? { status: 500 } : undefined));
    for (let i = 0; i < 2; i++) await rejectionOf(h.api.users.getUser('fx-alice'));
    expect(await h.api.products.getProductsByIds(['fx-p1'])).toHaveLength(1);
    expect(h.clients.circuits()).toMatchObject({ users: 'open', products: 'closed' });
  });

  it('counts timeouts as failures, but never 404 or 429 answers', async () => {
    h = await startHarness({ timeoutMs: 200, circuit: { failureThreshold: 2, cooldownMs: 60_000 } });
    h.hook(() => ({ status: 404 }));
    for (let i = 0; i < 5; i++) await rejectionOf(h.api.users.getUsersByIds(['fx-alice']));
    h.hook(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    for (let i = 0; i < 5; i++) await rejectionOf(h.api.users.getUsersByIds(['fx-alice']));
    expect(h.clients.circuits().users).toBe('closed');
    h.hook(() => new Promise<void>(() => {}));
    for (let i = 0; i < 2; i++) expect(await rejectionOf(h.api.users.getUser('fx-alice'))).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(h.clients.circuits().users).toBe('open');
  });

  it('half-opens after the cool-down with exactly one probe while concurrent calls fail fast; the probe succeeding closes it', async () => {
    h = await startHarness({ circuit: { failureThreshold: 2, cooldownMs: 200 } });
    h.hook(() => ({ status: 500 }));
    for (let i = 0; i < 2; i++) await rejectionOf(h.api.products.getProductsByIds(['fx-p1']));
    await sleep(250);
    expect(h.clients.circuits().products).toBe('half-open');
    h.reset();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    h.hook(() => held);
    const probe = h.api.products.getProductsByIds(['fx-p1']);
    const others = await Promise.all(Array.from({ length: 4 }, () => rejectionOf(h!.api.products.getProductsByIds(['fx-p2']))));
    expect(others).toEqual(Array(4).fill(expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' })));
    release();
    expect(await probe).toHaveLength(1);
    expect(h.upstream.requests).toHaveLength(1);
    expect(h.clients.circuits().products).toBe('closed');
    expect(await h.api.products.getProductsByIds(['fx-p2'])).toHaveLength(1);
  });

  it('re-opens when the probe fails, and probes once more after another cool-down', async () => {
    h = await startHarness({ circuit: { failureThreshold: 1, cooldownMs: 150 } });
    h.hook(() => ({ status: 503, headers: { 'retry-after': '3600' } }));
    await rejectionOf(h.api.inventory.getStockByProductIds(['fx-p1']));
    await sleep(200);
    await rejectionOf(h.api.inventory.getStockByProductIds(['fx-p1']));
    expect(h.clients.circuits().inventory).toBe('open');
    await rejectionOf(h.api.inventory.getStockByProductIds(['fx-p1']));
    expect(h.upstream.requests).toHaveLength(2);
    h.hook(undefined);
    await sleep(200);
    expect(await h.api.inventory.getStockByProductIds(['fx-p1'])).toHaveLength(1);
    expect(h.upstream.requests).toHaveLength(3);
    expect(h.clients.circuits().inventory).toBe('closed');
  });

  it('stops retrying a GET as soon as its own failures open the circuit', async () => {
    h = await startHarness({ retries: 5, circuit: { failureThreshold: 2, cooldownMs: 60_000 } });
    h.hook(() => ({ status: 503 }));
    expect(await rejectionOf(h.api.reviews.listReviews('fx-p1'))).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503 });
    expect(h.upstream.requests).toHaveLength(2);
  });

  it('lets health probes through an open circuit without moving it', async () => {
    h = await startHarness({ circuit: { failureThreshold: 1, cooldownMs: 60_000 } });
    h.hook((req) => (req.path === '/health' ? undefined : { status: 500 }));
    await rejectionOf(h.api.users.getUser('fx-alice'));
    expect(await h.clients.health('users')).toBe(true);
    expect(h.clients.circuits().users).toBe('open');
  });
});
