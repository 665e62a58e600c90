/**
 * Shared set-up for the gateway-level fault tests: one fixture upstream whose
 * hook each test swaps, one gateway over it with a short upstream deadline,
 * and helpers to time an operation and to check an error leaks nothing.
 */
import { performance } from 'node:perf_hooks';
import { expect } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureOptions, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { gql, startTestGateway, type GraphQLResponse } from '../helpers/gateway.js';

/**
 * The upstream deadline these tests run under (UPSTREAM_TIMEOUT_MS). The
 * operation's clock starts before its document is planned, and every healthy
 * call of a faulted operation (products, reviews beside a failing inventory)
 * must answer inside it. On a loaded machine a first request on a new gateway
 * took close to a second (400 ms turned a 500 into a null product), and calls
 * of a second level missed 1.5 s: this is the production default.
 */
export const DEADLINE_MS = 5_000;
/**
 * What an operation may take past its deadline: scheduling, the GraphQL layers,
 * loaded cores. Deadline plus margin stays well under what a missing deadline
 * would take (a 12-byte body dripped at one byte a second: 12 s; a hung
 * response: until the test's own timeout).
 */
export const MARGIN_MS = 4_000;
/** Planted in fault bodies: must never reach a client. */
export const SECRET = 'SECRET-upstream-body-db7.internal:5432';

export interface FaultRig {
  upstream: FixtureUpstream;
  gateway: Gateway;
  hook(fn: FixtureOptions['onRequest']): void;
  reset(): void;
  close(): Promise<void>;
}

/** A fixture upstream and a gateway over it; `env` adds to the short deadline. */
export async function startFaultRig(env: Record<string, string> = {}): Promise<FaultRig> {
  let current: FixtureOptions['onRequest'];
  const upstream = await startFixtureUpstream({ onRequest: (req) => current?.(req) });
  const gateway = await startTestGateway({ upstreams: upstream.urls, env: { UPSTREAM_TIMEOUT_MS: String(DEADLINE_MS), ...env } });
  return {
    upstream,
    gateway,
    hook: (fn) => {
      current = fn;
    },
    reset: () => {
      current = undefined;
      upstream.requests.length = 0;
    },
    close: async () => {
      await gateway.close();
      await upstream.close();
    },
  };
}

/** Runs an operation and measures it. */
export async function timedGql<T = Record<string, unknown>>(
  ...args: Parameters<typeof gql>
): Promise<GraphQLResponse<T> & { ms: number }> {
  const started = performance.now();
  const response = await gql<T>(...args);
  return { ...response, ms: performance.now() - started };
}

/** Nothing in the response names an upstream host, port, URL or body. */
export function expectNothingLeaked(body: { errors?: unknown }): void {
  expect(JSON.stringify(body)).not.toContain(SECRET);
  expect(JSON.stringify(body.errors ?? [])).not.toMatch(/127\.0\.0\.1|localhost|https?:\/\/|-svc|:\d{4,5}\b/);
}
