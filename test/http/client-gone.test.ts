import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { captureLogs, EDGE_MODES, gql, startTestGateway } from '../helpers/gateway.js';
import { trickle, verboseStatus } from '../helpers/slow-client.js';

interface LogLine {
  level: number;
  msg: string;
  correlationId?: string;
  err?: unknown;
}

const inFlight = async (gateway: Gateway) => (await verboseStatus(gateway)).inFlight;

// A client that goes away mid-body (a phone losing its network) is routine: no error line, no stack, no slot kept.
describe.each(EDGE_MODES)('A client gone before its body arrived, served by $edge', ({ edgeThread }) => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  const logs = captureLogs();
  /** The lines written since `from` (start-up's own warnings, about demo keys and secrets, are not this test's). */
  let from = 0;
  const lines = () => logs.lines.slice(from).map((line) => JSON.parse(line) as LogLine);

  beforeAll(async () => {
    upstream = await startFixtureUpstream();
    gateway = await startTestGateway({
      upstreams: upstream.urls,
      env: { LOG_LEVEL: 'info', OVERLOAD_EDGE_THREAD: edgeThread },
      logDestination: logs.destination,
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('logs no error, sends nothing upstream, frees its in-flight slot and serves the next request', async () => {
    from = logs.lines.length;
    const correlationId = `gone-${edgeThread}`;
    // The verbose readiness probes each upstream's health; the request itself must send nothing.
    const productCalls = () => upstream.requests.filter((req) => req.service === 'products' && req.path !== '/health').length;
    const upstreamBefore = productCalls();
    const { socket } = await trickle(gateway, { 'X-Correlation-ID': correlationId });
    // No slot is taken before the body has arrived (it never will).
    expect(await inFlight(gateway)).toBe(0);
    socket.destroy();

    if (edgeThread === 'off') {
      await expect.poll(() => lines().some((line) => line.correlationId === correlationId)).toBe(true);
      const line = lines().find((l) => l.correlationId === correlationId)!;
      expect(line).toMatchObject({ level: 30, msg: 'request body not received: the client went away or the request timed out' });
      expect(line.err).toBeUndefined();
    }
    await expect.poll(() => inFlight(gateway)).toBe(0);

    expect(lines().filter((line) => line.level >= 40)).toEqual([]);
    expect(productCalls()).toBe(upstreamBefore);
    const next = await gql(gateway, 'web', '{ __typename }');
    expect(next.status).toBe(200);
    expect(next.body.data).toEqual({ __typename: 'Query' });
  });
});

// A client that leaves while its operation runs: the level of calls in hand finishes, no further level is sent.
const REVIEW_AUTHORS = '{ product(id: "fx-p1") { reviews(first: 3) { edges { node { id author { id name } } } } } }';

describe.each(EDGE_MODES)('A client gone while its operation runs, served by $edge', ({ edgeThread }) => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  let release!: () => void;
  const logs = captureLogs();

  beforeAll(async () => {
    const held = new Promise<void>((resolve) => (release = resolve));
    upstream = await startFixtureUpstream({
      onRequest: async (req) => {
        if (req.service === 'reviews' && req.path !== '/health') await held;
      },
    });
    gateway = await startTestGateway({ upstreams: upstream.urls, env: { OVERLOAD_EDGE_THREAD: edgeThread, LOG_LEVEL: 'info' }, logDestination: logs.destination });
  });
  afterAll(async () => {
    release();
    await gateway.close();
    await upstream.close();
  });

  it('sends no further upstream call for it, and counts the skipped call as client_gone', async () => {
    const calls = (service: string) => upstream.requests.filter((req) => req.service === service && req.path !== '/health').length;
    const gone = new AbortController();
    const abandoned = fetch(`${gateway.url}/web/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // The reviews first (held), then their authors from the users service: a second level of calls.
      body: JSON.stringify({ query: REVIEW_AUTHORS }),
      signal: gone.signal,
    }).catch(() => null);
    await expect.poll(() => calls('reviews')).toBe(1);
    gone.abort();
    await abandoned;
    // The gateway has seen its client go (counted), and only then do the reviews answer.
    const metric = async () => (await (await fetch(`${gateway.url}/metrics`)).text()).match(/^bff_client_gone_total\{audience="web"\} (\d+)$/m)?.[1];
    await expect.poll(metric).toBe('1');
    release();
    await expect.poll(async () => inFlight(gateway)).toBe(0);
    expect(calls('users')).toBe(0);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^bff_upstream_calls_total\{service="users",[^}]*outcome="client_gone"\} 1$/m);
    // The call not sent is no failure of the users service's: its request line names none.
    const line = logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['msg'] === 'request');
    expect(line).toBeDefined();
    expect(line).not.toHaveProperty('upstreamFailures');

    // A client that stays gets both levels.
    const stayed = await gql(gateway, 'web', REVIEW_AUTHORS);
    expect(stayed.body.errors).toBeUndefined();
    expect(calls('users')).toBe(1);
  });
});
