import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { holdProductCalls, startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { gql, startTestGateway } from '../helpers/gateway.js';
import { tempFile } from '../helpers/temp-file.js';

/**
 * The wall clock can step (an NTP correction after a boot with a wrong clock, a VM resumed or migrated); the test
 * cannot step the machine's, so it steps the one the gateway reads, `Date.now`, in this process where the gateway
 * runs. Durations must not follow the step: they are measured on a clock that never steps.
 */
const HOUR_MS = 3_600_000;
const realNow = Date.now;
let offsetMs = 0;
const stepClock = (byMs: number) => {
  offsetMs += byMs;
};

let upstream: FixtureUpstream | undefined;
let gateway: Gateway | undefined;
// Before the gateway starts, so that whatever keeps a reference to `Date.now` keeps this one.
beforeEach(() => {
  offsetMs = 0;
  Date.now = () => realNow() + offsetMs;
});
afterEach(async () => {
  Date.now = realNow;
  await gateway?.close();
  await upstream?.close();
  gateway = upstream = undefined;
});

const PRODUCT = '{ product(id: "fx-p1") { id } }';

/** A gateway without Redis (the budgets in process memory) whose anonymous web visitors have `tier`. */
async function gatewayWithFreeTier(tier: { capacity: number; restorePerSecond: number }): Promise<Gateway> {
  upstream = await startFixtureUpstream();
  const limits = tempFile('limits.json', { web: { tiers: { free: tier } } });
  return startTestGateway({ upstreams: upstream.urls, env: { RATE_LIMITS_FILE: limits } });
}

/**
 * Spends the bucket: requests until one is refused (429). At 4 points a second a point comes back every 250 ms, so on
 * a slow machine (a test run's load, the first requests through the edge thread) more than `capacity` may pass first.
 */
async function spendAll(gw: Gateway, capacity: number): Promise<void> {
  const statuses: number[] = [];
  while (statuses.at(-1) !== 429 && statuses.length <= capacity + 20) statuses.push((await gql(gw, 'web', PRODUCT)).status);
  expect(statuses.slice(0, capacity)).toEqual(Array<number>(capacity).fill(200));
  expect(statuses.at(-1)).toBe(429);
}

describe('A step of the wall clock', () => {
  // On the wall clock, a bucket last refilled "in the future" was not refilled until the clock had caught up: an hour
  // of 429s for every consumer that had run out, for a clock stepped back an hour.
  it('stepped back an hour, does not stop a spent budget from refilling', async () => {
    gateway = await gatewayWithFreeTier({ capacity: 3, restorePerSecond: 4 });
    await spendAll(gateway, 3);
    stepClock(-HOUR_MS);
    // A point comes back every 250 ms.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await gql(gateway, 'web', PRODUCT)).status).toBe(200);
  });

  it('stepped forward an hour, does not refill a spent budget at once', async () => {
    gateway = await gatewayWithFreeTier({ capacity: 3, restorePerSecond: 0.001 });
    await spendAll(gateway, 3);
    stepClock(HOUR_MS);
    // An hour at 0.001 points a second would be 3.6 points: the bucket full again.
    expect((await gql(gateway, 'web', PRODUCT)).status).toBe(429);
  });

  // The drain's time was the wall clock's: stepped forward during SHUTDOWN_DELAY_MS, the drain found its deadline
  // long past and cut the request in flight after the 1 s minimum.
  it('stepped forward during the shutdown delay, does not cut the request in flight', async () => {
    const { held, release, fixture } = await holdProductCalls();
    upstream = fixture;
    gateway = await startTestGateway({ upstreams: fixture.urls, env: { UPSTREAM_TIMEOUT_MS: '15000', SHUTDOWN_DELAY_MS: '500' } });
    const inFlight = gql(gateway, 'web', '{ product(id: "fx-p1") { id name } }');
    await held;
    const stopping = gateway.shutdown();
    stepClock(HOUR_MS);
    // Past the delay and the 1 s minimum drain: a drain cut by the step has cut the request by now.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ product: { id: 'fx-p1', name: 'Fx Anvil' } });
    await stopping;
    gateway = undefined;
  }, 30_000);
});
