import { request } from 'node:http';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_OVERLOAD } from '../../src/config.js';
import type { Gateway } from '../../src/gateway.js';
import { adaptLimit, createOverloadGuard, INITIAL_RUNNING_LIMIT, MIN_ADAPTIVE_LIMIT } from '../../src/http/overload.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { EDGE_MODES, startTestGateway, tokenFor } from '../helpers/gateway.js';

const QUERY = 'query ($id: ID!) { product(id: $id) { id name } }';

describe.each(EDGE_MODES)('Overload shedding at the edge (in-flight limit 2), refused by $edge', ({ edgeThread }) => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  let release!: () => void;
  let released: Promise<void>;
  beforeAll(async () => {
    released = new Promise<void>((resolve) => (release = resolve));
    upstream = await startFixtureUpstream({
      // Hold every admitted request at the products service: they stay in flight until released.
      onRequest: async (req) => {
        if (req.service === 'products' && req.path !== '/health') await released;
      },
    });
    gateway = await startTestGateway({
      upstreams: upstream.urls,
      env: { OVERLOAD_MAX_IN_FLIGHT: '2', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_RETRY_AFTER_SECONDS: '2', OVERLOAD_EDGE_THREAD: edgeThread },
    });
  });
  afterAll(async () => {
    release();
    await gateway.close();
    await upstream.close();
  });

  it('refuses the rest of a burst with 503 OVERLOADED and Retry-After, touching no upstream and no budget, while /healthz, /readyz and /metrics answer', async () => {
    const token = await tokenFor('fx-alice');
    // Two products, so the two admitted requests are not coalesced into one upstream call.
    const send = (i: number) =>
      fetch(`${gateway.url}/web/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-correlation-id': `burst-${i}` },
        body: JSON.stringify({ query: QUERY, variables: { id: i % 2 === 0 ? 'fx-p1' : 'fx-p2' } }),
      });
    const admitted = [send(0), send(1)];
    await expect.poll(() => upstream.requests.filter((r) => r.service === 'products').length).toBe(2);

    const refused = await Promise.all([2, 3, 4, 5, 6].map(send));
    for (const response of refused) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(response.headers.get('ratelimit')).toBeNull();
      expect(await response.json()).toEqual({
        errors: [{ message: 'The gateway is overloaded; retry later.', extensions: { code: 'OVERLOADED' } }],
      });
    }

    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'overloaded' });
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^bff_shed_total\{audience="web",reason="in_flight"\} 5$/m);
    expect(metrics).toMatch(/^bff_in_flight_requests 2$/m);
    // The gateway under test keeps the limit fixed (OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS=0): the cap.
    expect(metrics).toMatch(/^bff_in_flight_limit 2$/m);

    release();
    for (const response of await Promise.all(admitted)) expect(response.status).toBe(200);

    // Nothing of a refused request went upstream (its correlation id is sent on every call) ...
    const upstreamIds = new Set(upstream.requests.map((r) => r.headers['x-correlation-id']));
    expect([...upstreamIds].filter((id) => /^burst-[2-6]$/.test(String(id)))).toEqual([]);
    // ... nor to the budget: only the two admitted operations were priced.
    const after = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(after).toMatch(/^bff_operation_cost_requested_count\{audience="web"\} 2$/m);

    // Once nothing has been refused for a second, the replica is ready again and serves.
    await expect.poll(async () => (await fetch(`${gateway.url}/readyz`)).status, { timeout: 5_000 }).toBe(200);
    expect((await send(7)).status).toBe(200);
  });
});

describe('The edge thread (OVERLOAD_EDGE_THREAD=on)', () => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  let release!: () => void;
  const asksFor = (req: { path: string; query: URLSearchParams }, id: string) => req.path.includes(id) || (req.query.get('ids') ?? '').split(',').includes(id);
  beforeAll(async () => {
    const released = new Promise<void>((resolve) => (release = resolve));
    upstream = await startFixtureUpstream({
      onRequest: async (req) => {
        if (req.service !== 'products' || req.path === '/health') return;
        await released;
      },
    });
    gateway = await startTestGateway({
      upstreams: upstream.urls,
      env: { OVERLOAD_MAX_IN_FLIGHT: '2', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_EDGE_THREAD: 'on', MAX_BODY_BYTES: '2000', CORS_ORIGINS: 'https://app.example' },
    });
  });
  afterAll(async () => {
    release();
    await gateway.close();
    await upstream.close();
  });

  it('refuses over the limit while the main thread is busy, answering before the main thread runs again', async () => {
    const send = (id: string) =>
      fetch(`${gateway.url}/web/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY, variables: { id } }) });
    const admitted = [send('fx-p1'), send('fx-p2')];
    await expect.poll(() => upstream.requests.filter((r) => r.service === 'products').length).toBe(2);

    const headers = [0, 1, 2, 3, 4].map((i) => ({ 'content-type': 'application/json', 'x-correlation-id': `busy-${i}`, ...(i === 0 ? { origin: 'https://app.example' } : {}) }));
    const { heard, busyUntil } = await sentWhileBlocked(`${gateway.url}/web/graphql`, headers, JSON.stringify({ query: QUERY, variables: { id: 'fx-p3' } }));
    expect(heard.map((a) => a.status)).toEqual([503, 503, 503, 503, 503]);
    for (const answer of heard) {
      expect(answer.at).toBeLessThan(busyUntil);
      expect(JSON.parse(answer.body)).toEqual({ errors: [{ message: 'The gateway is overloaded; retry later.', extensions: { code: 'OVERLOADED' } }] });
      expect(answer.retryAfter).toBe('1');
      expect(answer.correlationId).toMatch(/^busy-[0-4]$/);
    }
    // A browser on an allowed origin can read the refusal.
    expect(heard.filter((a) => a.allowOrigin === 'https://app.example').map((a) => a.correlationId)).toEqual(['busy-0']);

    // Counted once the main thread runs again: metrics and readiness, as for its own refusals.
    expect(await (await fetch(`${gateway.url}/metrics`)).text()).toMatch(/^bff_shed_total\{audience="web",reason="in_flight"\} 5$/m);
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(503);
    release();
    for (const response of await Promise.all(admitted)) expect(response.status).toBe(200);
    // None of the refused requests (all for fx-p3) reached a service.
    expect(upstream.requests.filter((r) => asksFor(r, 'fx-p3'))).toEqual([]);
  });

  it('caps request bodies itself (413, connection closed) and serves the next request', async () => {
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(5000) } });
    const refused = await fetch(`${gateway.url}/web/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(refused.status).toBe(413);
    expect(refused.headers.get('connection')).toBe('close');
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    const next = await fetch(`${gateway.url}/web/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-correlation-id': 'after-413' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(next.status).toBe(200);
    expect(next.headers.get('x-correlation-id')).toBe('after-413');
    expect(((await next.json()) as { data: unknown }).data).toEqual({ __typename: 'Query' });
  });
});

describe('The edge thread (OVERLOAD_EDGE_THREAD=on) with the other limits', () => {
  let gateway: Gateway | undefined;
  afterAll(async () => {
    await gateway?.close();
  });

  it('serves every request with no in-flight limit (OVERLOAD_MAX_IN_FLIGHT=0)', async () => {
    gateway = await startTestGateway({ env: { OVERLOAD_MAX_IN_FLIGHT: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_EDGE_THREAD: 'on' } });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${gateway!.url}/public/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(await (await fetch(`${gateway.url}/metrics`)).text()).not.toMatch(/^bff_shed_total\{[^}]*\} [1-9]/m);
  });

  it('refuses every GraphQL request itself while the main thread\'s loop lags, before the main thread runs again', async () => {
    await gateway?.close();
    gateway = await startTestGateway({ env: { OVERLOAD_MAX_IN_FLIGHT: '64', OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '50', OVERLOAD_EDGE_THREAD: 'on' } });
    const url = gateway.url;
    const json = { 'content-type': 'application/json' };
    const { heard, busyUntil } = await sentWhileBlocked(`${url}/public/graphql`, [json, json, json], '{"query":"{ __typename }"}', async () => {
      // The main thread (this test's) lags until /readyz says so: two 250 ms windows over 50 ms, then (in the gap
      // after each slice) the 20 ms publication to the worker. Then it blocks at once, while the client sends.
      await starving(300, async () => (await fetch(`${url}/readyz`)).status).toBe(503);
    });
    // Before the worker applied the lag, these were forwarded and refused here, after the main thread's turn.
    expect(heard.map((a) => a.status)).toEqual([503, 503, 503]);
    for (const answer of heard) expect(answer.at).toBeLessThan(busyUntil);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^bff_shed_total\{audience="public",reason="event_loop_delay"\} 3$/m);
    // Once the loop keeps time again, requests are served.
    await expect.poll(async () => (await fetch(`${url}/public/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).status, { timeout: 5_000 }).toBe(200);
  });
});

interface HeardAnswer {
  status: number;
  /** `Date.now()` when the client had the whole answer. */
  at: number;
  body: string;
  retryAfter?: string;
  correlationId?: string;
  allowOrigin?: string;
}

/**
 * POSTs `body` to `url` once per entry of `headers` from a client on a thread of its own, so it sends and hears back
 * while this thread (the gateway's main thread, in process) is blocked for a second; `before` runs once the client
 * is ready, right before the block. Resolves with the answers as they came and when the block ended.
 */
async function sentWhileBlocked(url: string, headers: Record<string, string>[], body: string, before?: () => Promise<void>): Promise<{ heard: HeardAnswer[]; busyUntil: number }> {
  const client = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const http = require('node:http');
     parentPort.once('message', () => {
       const answers = [];
       for (const headers of workerData.headers) {
         const req = http.request(workerData.url, { method: 'POST', headers }, (res) => {
           let body = '';
           res.on('data', (chunk) => (body += chunk));
           res.on('end', () => {
             answers.push({ status: res.statusCode, at: Date.now(), body, retryAfter: res.headers['retry-after'], correlationId: res.headers['x-correlation-id'], allowOrigin: res.headers['access-control-allow-origin'] });
             if (answers.length === workerData.headers.length) parentPort.postMessage(answers);
           });
         });
         req.end(workerData.body);
       }
     });
     parentPort.postMessage('ready');`,
    { eval: true, workerData: { url, headers, body } },
  );
  try {
    await new Promise((resolve) => client.once('message', resolve));
    const answers = new Promise<HeardAnswer[]>((resolve) => client.once('message', resolve));
    await before?.();
    client.postMessage('go');
    // Blocked for a second: nothing of the gateway's own code on this thread runs meanwhile.
    const busyUntil = Date.now() + 1_000;
    while (Date.now() < busyUntil);
    return { heard: await answers, busyUntil };
  } finally {
    await client.terminate();
  }
}

/**
 * Polls `read` while starving the event loop in `sliceMs` slices, with a
 * short gap after each so the guard's 250 ms sampler runs in between.
 */
function starving<T>(sliceMs: number, read: () => T) {
  return expect.poll(
    async () => {
      const end = Date.now() + sliceMs;
      while (Date.now() < end);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return read();
    },
    { timeout: 20_000, interval: 0 },
  );
}

describe('Overload shedding on event-loop delay', () => {
  it('refuses new requests once the delay stayed over the limit for two windows, and admits again when it falls back', async () => {
    const guard = createOverloadGuard({ maxEventLoopDelayMs: 50, maxInFlight: 0, targetEventLoopDelayMs: 0, retryAfterSeconds: 1 });
    try {
      await starving(300, () => guard.admit()).toBe('event_loop_delay');
      expect(guard.shedding()).toBe(true);
      await expect.poll(() => guard.admit(), { timeout: 5_000 }).toBeNull();
    } finally {
      guard.close();
    }
  });

  it('stops reporting shedding a second after the last refusal, even when the system clock is set back meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const guard = createOverloadGuard({ maxEventLoopDelayMs: 0, maxInFlight: 1, targetEventLoopDelayMs: 0, retryAfterSeconds: 1 });
    try {
      expect(guard.admit()).toBeNull();
      expect(guard.admit()).toBe('in_flight');
      guard.release();
      expect(guard.shedding()).toBe(true);
      // An NTP step or a resumed VM: the wall clock goes back an hour.
      vi.setSystemTime(Date.now() - 3_600_000);
      await expect.poll(() => guard.shedding(), { timeout: 5_000 }).toBe(false);
    } finally {
      vi.useRealTimers();
      guard.close();
    }
  });

  it("tells the edge thread the limit a new request meets (0 while the loop lags, unbounded with no in-flight limit) and counts what it admitted without refusing it", async () => {
    const unbounded = createOverloadGuard({ maxEventLoopDelayMs: 0, maxInFlight: 0, targetEventLoopDelayMs: 0, retryAfterSeconds: 1 });
    expect(unbounded.admissionLimit()).toBe(2 ** 31 - 1);
    unbounded.close();
    const guard = createOverloadGuard({ maxEventLoopDelayMs: 50, maxInFlight: 2, targetEventLoopDelayMs: 0, retryAfterSeconds: 1 });
    try {
      expect(guard.admissionLimit()).toBe(2);
      // The worker decided on these against the limit it last read: counted here, never refused here.
      for (let i = 0; i < 3; i++) guard.enter();
      expect(guard.stats().inFlight).toBe(3);
      expect(guard.admit()).toBe('in_flight');
      for (let i = 0; i < 3; i++) guard.release();
      await starving(300, () => guard.admissionLimit()).toBe(0);
      // Refusals by the worker while the loop lags are the loop's.
      guard.refusedElsewhere();
      expect(guard.shedding()).toBe(true);
      await expect.poll(() => guard.admissionLimit(), { timeout: 5_000 }).toBe(2);
    } finally {
      guard.close();
    }
  });

  it('never sheds with both limits at 0', () => {
    const guard = createOverloadGuard({ maxEventLoopDelayMs: 0, maxInFlight: 0, targetEventLoopDelayMs: 50, retryAfterSeconds: 1 });
    for (let i = 0; i < 10_000; i++) expect(guard.admit()).toBeNull();
    expect(guard.shedding()).toBe(false);
    guard.close();
  });
});

describe('The adaptive in-flight limit', () => {
  it('cuts the limit by a quarter to a half per window over the target with the limit reached (deeper the later the loop), never below 8 (or the cap), and grows it back by a tenth up to the cap', () => {
    expect(adaptLimit(64, 120, true, 64, 100)).toBe(48);
    expect(adaptLimit(48, 120, true, 64, 100)).toBe(36);
    expect(adaptLimit(64, 150, true, 64, 100)).toBe(42);
    expect(adaptLimit(64, 200, true, 64, 100)).toBe(32);
    expect(adaptLimit(64, 900, true, 64, 100)).toBe(32);
    expect(adaptLimit(9, 150, true, 64, 100)).toBe(MIN_ADAPTIVE_LIMIT);
    expect(adaptLimit(MIN_ADAPTIVE_LIMIT, 500, true, 64, 100)).toBe(MIN_ADAPTIVE_LIMIT);
    expect(adaptLimit(4, 500, true, 4, 100)).toBe(4);
    // A late loop that the limit did not hold anything back from: the limit stays.
    expect(adaptLimit(64, 500, false, 64, 100)).toBe(64);
    expect(adaptLimit(36, 20, false, 64, 100)).toBe(39);
    expect(adaptLimit(8, 20, true, 64, 100)).toBe(9);
    expect(adaptLimit(62, 20, false, 64, 100)).toBe(64);
    expect(adaptLimit(64, 100, true, 64, 100)).toBe(64);
  });

  it('keeps the cap while the event loop runs late with few requests in flight', async () => {
    const guard = createOverloadGuard({ maxEventLoopDelayMs: 0, maxInFlight: 64, targetEventLoopDelayMs: 50, retryAfterSeconds: 1 });
    try {
      for (let i = 0; i < 10; i++) expect(guard.admit()).toBeNull();
      // Several windows over the target, none with the limit reached.
      let late = 0;
      await starving(120, () => (guard.stats().eventLoopDelayMs > 50 ? ++late : late)).toBeGreaterThanOrEqual(3);
      expect(guard.stats().inFlightLimit).toBe(64);
      expect(guard.admit()).toBeNull();
    } finally {
      guard.close();
    }
  });

  it('lowers the limit while the event loop runs late with the limit reached, refusing past it, and restores the cap once it keeps time', async () => {
    const guard = createOverloadGuard({ maxEventLoopDelayMs: 0, maxInFlight: 64, targetEventLoopDelayMs: 50, retryAfterSeconds: 1 });
    try {
      expect(guard.stats().inFlightLimit).toBe(64);
      for (let i = 0; i < 64; i++) expect(guard.admit()).toBeNull();
      await starving(120, () => guard.stats().inFlightLimit).toBeLessThanOrEqual(16);
      expect(guard.admit()).toBe('in_flight');
      // Once the requests are done, a lowered limit admits up to itself.
      for (let i = 0; i < 64; i++) guard.release();
      const { inFlightLimit } = guard.stats();
      for (let i = 0; i < inFlightLimit; i++) expect(guard.admit()).toBeNull();
      expect(guard.admit()).toBe('in_flight');
      for (let i = 0; i < inFlightLimit; i++) guard.release();
      await expect.poll(() => guard.stats().inFlightLimit, { timeout: 20_000 }).toBe(64);
    } finally {
      guard.close();
    }
  });
});

describe('The running slots', () => {
  const adaptive = { maxEventLoopDelayMs: 0, maxInFlight: 64, targetEventLoopDelayMs: 50, retryAfterSeconds: 1 };

  it('run as many admitted requests side by side as they allow, and start the others oldest first as slots come free', async () => {
    const guard = createOverloadGuard(adaptive);
    try {
      for (let i = 0; i < INITIAL_RUNNING_LIMIT; i++) expect(guard.start()).toBeNull();
      const started: number[] = [];
      const waiting = [0, 1, 2].map((i) => guard.start()!.then(() => started.push(i)));
      expect(guard.stats()).toMatchObject({ running: INITIAL_RUNNING_LIMIT, runningLimit: INITIAL_RUNNING_LIMIT, waiting: 3 });
      guard.finish();
      await waiting[0];
      expect(started).toEqual([0]);
      guard.finish();
      guard.finish();
      await Promise.all(waiting);
      expect(started).toEqual([0, 1, 2]);
      expect(guard.stats()).toMatchObject({ running: INITIAL_RUNNING_LIMIT, waiting: 0 });
    } finally {
      guard.close();
    }
  });

  it('grow while requests wait and the event loop has time to spare (they wait on upstreams), up to the cap, and go back when no request waits', async () => {
    const guard = createOverloadGuard(adaptive);
    try {
      for (let i = 0; i < INITIAL_RUNNING_LIMIT; i++) expect(guard.start()).toBeNull();
      // Nothing finishes: every slot is held by a request waiting on its upstreams, and the loop is idle.
      const waiting = Array.from({ length: 40 }, () => guard.start());
      await Promise.all(waiting);
      expect(guard.stats()).toMatchObject({ running: INITIAL_RUNNING_LIMIT + 40, waiting: 0 });
      expect(guard.stats().runningLimit).toBeGreaterThanOrEqual(INITIAL_RUNNING_LIMIT + 40);
      expect(guard.stats().runningLimit).toBeLessThanOrEqual(64);
      for (let i = 0; i < INITIAL_RUNNING_LIMIT + 40; i++) guard.finish();
      await expect.poll(() => guard.stats().runningLimit, { timeout: 20_000 }).toBe(INITIAL_RUNNING_LIMIT);
    } finally {
      guard.close();
    }
  });

  it('do not grow while the event loop is busy, and then the in-flight limit is cut at the next tick, before the window ends', async () => {
    const guard = createOverloadGuard(adaptive);
    try {
      for (let i = 0; i < 64; i++) expect(guard.admit()).toBeNull();
      for (let i = 0; i < INITIAL_RUNNING_LIMIT; i++) expect(guard.start()).toBeNull();
      const waiting = Array.from({ length: 64 - INITIAL_RUNNING_LIMIT }, () => guard.start());
      // The loop busy for 60 ms, then the tick that was due meanwhile (before this timer, due after it): far
      // sooner than the 250 ms window that judges the event-loop delay.
      const end = Date.now() + 60;
      while (Date.now() < end);
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(guard.stats().inFlightLimit).toBeLessThanOrEqual(32);
      expect(guard.stats()).toMatchObject({ runningLimit: INITIAL_RUNNING_LIMIT, waiting: 64 - INITIAL_RUNNING_LIMIT });
      expect(guard.admit()).toBe('in_flight');
      for (let i = 0; i < 64; i++) guard.finish();
      await Promise.all(waiting);
    } finally {
      guard.close();
    }
  });

  it('are not limited without the adaptive limit', () => {
    const guard = createOverloadGuard({ ...adaptive, targetEventLoopDelayMs: 0 });
    try {
      for (let i = 0; i < 1_000; i++) expect(guard.start()).toBeNull();
      expect(guard.stats()).toMatchObject({ running: 1_000, runningLimit: 0, waiting: 0 });
    } finally {
      guard.close();
    }
  });
});

/**
 * A gateway whose calls to the products service the fixture upstream holds
 * until `release`: started by the returned function (once per suite), closed
 * after the suite.
 */
function gatewayWithHeldProducts(): (env: Record<string, string>) => Promise<{ upstream: FixtureUpstream; gateway: Gateway; release: () => void }> {
  let started: { upstream: FixtureUpstream; gateway: Gateway; release: () => void } | undefined;
  afterAll(async () => {
    started?.release();
    await started?.gateway.close();
    await started?.upstream.close();
  });
  return async (env) => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const upstream = await startFixtureUpstream({ onRequest: async (req) => void (req.service === 'products' && req.path !== '/health' && (await held)) });
    started = { upstream, gateway: await startTestGateway({ upstreams: upstream.urls, env }), release };
    return started;
  };
}

describe.each(EDGE_MODES)('More requests than running slots, each waiting on a slow upstream, served by $edge', ({ edgeThread }) => {
  const start = gatewayWithHeldProducts();

  it('all reach the upstream side by side (the slots grow while the loop idles), none refused, at the default limits', async () => {
    // The production defaults (the test gateways keep a fixed in-flight limit and no lag shedding otherwise).
    const { maxEventLoopDelayMs, targetEventLoopDelayMs } = DEFAULT_OVERLOAD;
    const { upstream, gateway, release } = await start({
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: String(maxEventLoopDelayMs),
      OVERLOAD_TARGET_EVENT_LOOP_DELAY_MS: String(targetEventLoopDelayMs),
      OVERLOAD_EDGE_THREAD: edgeThread,
    });
    const count = INITIAL_RUNNING_LIMIT + 8;
    // A product each, so no two upstream calls are coalesced.
    const answers = Array.from({ length: count }, (_, i) =>
      fetch(`${gateway.url}/web/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-correlation-id': `slow-${i}` },
        body: JSON.stringify({ query: QUERY, variables: { id: `fx-slow-${i}` } }),
      }),
    );
    const seen = () => new Set(upstream.requests.filter((r) => r.service === 'products').map((r) => r.headers['x-correlation-id'])).size;
    await expect.poll(seen, { timeout: 10_000 }).toBe(count);
    const status = (await (await fetch(`${gateway.url}/readyz?verbose`)).json()) as { running: number; runningLimit: number; waiting: number };
    expect(status).toMatchObject({ running: count, waiting: 0 });
    expect(status.runningLimit).toBeGreaterThanOrEqual(count);
    release();
    for (const response of await Promise.all(answers)) expect(response.status).toBe(200);
  });
});

describe.each(EDGE_MODES)('The in-flight limit with a fragment in the request target, refused by $edge', ({ edgeThread }) => {
  const start = gatewayWithHeldProducts();

  it('holds for `/web/graphql#x` (routed to /web/graphql) as for `/web/graphql`', async () => {
    const { upstream, gateway, release } = await start({ OVERLOAD_MAX_IN_FLIGHT: '2', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_EDGE_THREAD: edgeThread });
    // node:http sends the target as given (fetch would drop the fragment).
    const send = (i: number) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${gateway.url}/`, { path: '/web/graphql#x', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ query: QUERY, variables: { id: `fx-p${(i % 2) + 1}` } }));
      });
    const admitted = [send(0), send(1)];
    await expect.poll(() => upstream.requests.filter((r) => r.service === 'products').length).toBe(2);
    expect(await Promise.all([2, 3, 4].map(send))).toEqual([503, 503, 503]);
    release();
    expect(await Promise.all(admitted)).toEqual([200, 200]);
  });
});
