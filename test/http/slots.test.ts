import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { captureLogs, EDGE_MODES, startTestGateway } from '../helpers/gateway.js';
import { trickle, verboseStatus as verbose } from '../helpers/slow-client.js';

const QUERY = 'query ($id: ID!) { product(id: $id) { id name } }';
const asksFor = (req: { path: string; query: URLSearchParams }, id: string) => req.path.includes(id) || (req.query.get('ids') ?? '').split(',').includes(id);

const post = (gateway: Gateway, body: unknown, signal?: AbortSignal) =>
  fetch(`${gateway.url}/web/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...(signal ? { signal } : {}) });

// The in-flight limit bounds the work the process does: a slot is taken once a request's body has arrived, and
// given back when the work for it is over, whether or not its client is still there to read the answer.
describe.each(EDGE_MODES)('In-flight slots (limit 2), served by $edge', ({ edgeThread }) => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  let releaseHeld!: () => void;
  let releaseRest!: () => void;
  const logs = captureLogs();
  beforeAll(async () => {
    // fx-p4 is held until the test lets it go; the other products until the end.
    const held = new Promise<void>((resolve) => (releaseHeld = resolve));
    const rest = new Promise<void>((resolve) => (releaseRest = resolve));
    upstream = await startFixtureUpstream({
      onRequest: async (req) => {
        if (req.service !== 'products' || req.path === '/health') return;
        await (asksFor(req, 'fx-p4') ? held : rest);
      },
    });
    gateway = await startTestGateway({
      upstreams: upstream.urls,
      env: { OVERLOAD_MAX_IN_FLIGHT: '2', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', OVERLOAD_EDGE_THREAD: edgeThread, LOG_LEVEL: 'info' },
      logDestination: logs.destination,
    });
  });
  afterAll(async () => {
    releaseHeld();
    releaseRest();
    await gateway.close();
    await upstream.close();
  });

  it('gives no slot to clients still sending their bodies: the limit and readiness are untouched', async () => {
    const slow = [await trickle(gateway), await trickle(gateway), await trickle(gateway)];
    expect(await verbose(gateway)).toMatchObject({ status: 'ready', inFlight: 0 });
    const served = await post(gateway, { query: '{ __typename }' });
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual({ data: { __typename: 'Query' }, extensions: expect.anything() });
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
    for (const { socket, closed } of slow) {
      socket.destroy();
      await closed;
    }
  });

  it('keeps the slot of a client that went away until the work for it is over, then frees it', async () => {
    const gone = new AbortController();
    const abandoned = fetch(`${gateway.url}/web/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': `gone-${edgeThread}` },
      body: JSON.stringify({ query: QUERY, variables: { id: 'fx-p4' } }),
      signal: gone.signal,
    }).catch(() => null);
    await expect.poll(() => upstream.requests.some((r) => r.service === 'products' && asksFor(r, 'fx-p4'))).toBe(true);
    gone.abort();
    await abandoned;

    // Its operation still waits on the products service: it still counts. One more is admitted, the next refused.
    const second = post(gateway, { query: QUERY, variables: { id: 'fx-p1' } });
    await expect.poll(() => upstream.requests.some((r) => r.service === 'products' && asksFor(r, 'fx-p1'))).toBe(true);
    expect((await verbose(gateway)).inFlight).toBe(2);
    const refused = await post(gateway, { query: QUERY, variables: { id: 'fx-p2' } });
    expect(refused.status).toBe(503);
    expect(upstream.requests.some((r) => asksFor(r, 'fx-p2'))).toBe(false);

    // Its work ends: the slot comes back (on the main thread and, with the edge thread, in the worker's count too).
    releaseHeld();
    await expect.poll(async () => (await verbose(gateway)).inFlight).toBe(1);
    // Its answer had nowhere to go, and the log says so (beside its usual request line).
    const lines = logs.lines.map((line) => JSON.parse(line) as { msg: string; correlationId?: string; level: number });
    expect(lines.filter((l) => l.correlationId === `gone-${edgeThread}`).map((l) => l.msg)).toEqual(expect.arrayContaining(['request', 'client went away before its answer']));
    const third = post(gateway, { query: QUERY, variables: { id: 'fx-p3' } });
    await expect.poll(() => upstream.requests.some((r) => r.service === 'products' && asksFor(r, 'fx-p3'))).toBe(true);
    expect((await verbose(gateway)).inFlight).toBe(2);
    releaseRest();
    for (const response of await Promise.all([second, third])) expect(response.status).toBe(200);
  });
});

describe.each(EDGE_MODES)('The drain, served by $edge', ({ edgeThread }) => {
  it('closes the connection of a client still sending its body, instead of waiting out the grace period for it', async () => {
    const upstream = await startFixtureUpstream();
    const gateway = await startTestGateway({ upstreams: upstream.urls, env: { OVERLOAD_EDGE_THREAD: edgeThread } });
    try {
      const slow = await trickle(gateway);
      // Nothing has run for it: the drain closes its connection and the gateway stops, well inside the test's
      // time-out (the grace period for requests in flight is 25 s).
      await gateway.close();
      await slow.closed;
    } finally {
      await upstream.close();
    }
  });
});
