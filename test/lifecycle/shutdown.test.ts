import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { holdProductCalls, startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { EDGE_MODES } from '../helpers/gateway.js';
import { SPAWNED_GATEWAY_TEST_MS, spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';

let upstream: FixtureUpstream | undefined;
let gateway: GatewayProcess | undefined;
afterEach(async () => {
  if (gateway && gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  await upstream?.close();
  gateway = upstream = undefined;
});

describe.each(EDGE_MODES)('SIGTERM, served by $edge', ({ edgeThread }) => {
  it('exits 0 at once when nothing is in flight', async () => {
    upstream = await startFixtureUpstream();
    gateway = await spawnGateway(upstream.urls, { OVERLOAD_EDGE_THREAD: edgeThread });
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    // stop() sends SIGTERM and waits; a shutdown that never finishes is SIGKILLed after 10 s (exit code null).
    expect(await gateway.stop()).toBe(0);
    expect(gateway.output()).toContain('"msg":"shutdown complete"');
    expect(gateway.output()).not.toContain('drain time over');
  }, SPAWNED_GATEWAY_TEST_MS);

  it('stops accepting, completes the request in flight with its full 200, then exits 0', async () => {
    const { held, release, fixture } = await holdProductCalls();
    upstream = fixture;
    gateway = await spawnGateway(fixture.urls, { UPSTREAM_TIMEOUT_MS: '15000', OVERLOAD_EDGE_THREAD: edgeThread });

    const inFlight = askForProduct(gateway);
    await held;
    gateway.child.kill('SIGTERM');
    await gateway.waitFor(/"msg":"draining in-flight requests"/);

    // No new connections while draining, and the process waits for the one in flight.
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
    expect(gateway.child.exitCode).toBeNull();

    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { product: { id: 'fx-p1', name: 'Fx Anvil' } } });
    expect(await gateway.stop()).toBe(0);
  }, SPAWNED_GATEWAY_TEST_MS);

  it('answers /readyz 503 from the moment SIGTERM arrives, keeps serving through SHUTDOWN_DELAY_MS, and completes the request in flight', async () => {
    const { held, release, fixture } = await holdProductCalls();
    upstream = fixture;
    gateway = await spawnGateway(fixture.urls, { UPSTREAM_TIMEOUT_MS: '15000', SHUTDOWN_DELAY_MS: '1500', OVERLOAD_EDGE_THREAD: edgeThread });
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);

    const inFlight = askForProduct(gateway);
    await held;
    gateway.child.kill('SIGTERM');
    await gateway.waitFor(/"msg":"draining in-flight requests"/);

    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    expect(ready.headers.get('connection')).toBe('close');
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);

    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { product: { id: 'fx-p1', name: 'Fx Anvil' } } });
    expect(await gateway.stop()).toBe(0);
  }, SPAWNED_GATEWAY_TEST_MS);

  // Each step of a shutdown ran on its own clock: the drain cut requests 25 s after the delay, and the
  // trace flush then waited up to 5 s more, so a hung upstream and a receiver that never replies took
  // the process past Kubernetes' 30 s grace (SIGKILL). SHUTDOWN_TIMEOUT_MS bounds the whole of it.
  it('exits 0 within SHUTDOWN_TIMEOUT_MS with a request that never finishes and a trace receiver that never replies', async () => {
    const { held, fixture } = await holdProductCalls();
    upstream = fixture;
    const receiver = net.createServer(() => undefined);
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      gateway = await spawnGateway(fixture.urls, {
        UPSTREAM_TIMEOUT_MS: '60000',
        SHUTDOWN_TIMEOUT_MS: '5000',
        OVERLOAD_EDGE_THREAD: edgeThread,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}`,
        OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
        OTEL_BSP_SCHEDULE_DELAY: '600000',
      });
      // Settled either way from the start: the cut comes while the test awaits the exit.
      const inFlight = askForProduct(gateway).then(
        () => 'answered',
        () => 'cut',
      );
      await held;
      // stop() sends SIGTERM and SIGKILLs after 10 s (exit code null): the old 25 s drain alone overran it.
      expect(await gateway.stop()).toBe(0);
      expect(await inFlight).toBe('cut');
      // The cut is said, with what it cut, and so is the end.
      expect(gateway.output()).toMatch(/"inFlight":1,"drainMs":\d+,"msg":"drain time over: cutting the connections still open"/);
      expect(gateway.output()).toMatch(/"durationMs":\d+,"msg":"shutdown complete"/);
    } finally {
      receiver.close();
    }
  }, SPAWNED_GATEWAY_TEST_MS);
});


/** One web query that needs the products service. */
function askForProduct(gateway: GatewayProcess): Promise<Response> {
  return fetch(`${gateway.url}/web/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ product(id: "fx-p1") { id name } }' }),
  });
}
