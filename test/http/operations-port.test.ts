import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { holdProductCalls, startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { EDGE_MODES, gql, startTestGateway } from '../helpers/gateway.js';

const statusOf = async (url: string) => (await fetch(url)).status;

/** The status line answered to `GET <target>` sent as it is (fetch would normalise the target first). */
const statusLineOf = (base: string, target: string) =>
  new Promise<string>((resolve) => {
    const socket = connect(Number(new URL(base).port), '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nhost: gateway\r\nconnection: close\r\n\r\n`));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer.split('\r\n')[0]!));
    socket.on('error', () => resolve(answer.split('\r\n')[0]!));
  });

// Every case once with the main thread's own listener and once through the edge thread, which must answer alike.
describe.each(EDGE_MODES)('OPERATIONS_PORT, public port served by $edge', ({ edgeThread }) => {
  let upstream: FixtureUpstream;
  let gateway: Gateway;
  let operations: string;
  beforeAll(async () => {
    upstream = await startFixtureUpstream();
    gateway = await startTestGateway({ upstreams: upstream.urls, env: { OPERATIONS_PORT: '0', OVERLOAD_EDGE_THREAD: edgeThread } });
    operations = gateway.operationsUrl!;
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('listens on a port of its own', () => {
    expect(operations).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(operations).not.toBe(gateway.url);
  });

  it('serves the probes, the verbose status and the metrics there, and nothing else', async () => {
    expect(await gql(gateway, 'web', '{ product(id: "fx-p1") { id } }')).toMatchObject({ status: 200 });
    const health = await fetch(`${operations}/healthz`);
    expect(health.status).toBe(200);
    expect(health.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${operations}/readyz`)).json()).toEqual({ status: 'ready' });
    const verbose = await fetch(`${operations}/readyz?verbose`);
    expect(verbose.status).toBe(200);
    expect(await verbose.json()).toMatchObject({ status: 'ready', upstreams: { products: 'up' }, openCircuits: [] });
    const metrics = await fetch(`${operations}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^bff_requests_total\{[^}]*audience="web"[^}]*\} [1-9]/m);

    for (const path of ['/web/graphql', '/public/graphql', '/', '//x/metrics']) {
      const other = await fetch(`${operations}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      expect(other.status, path).toBe(404);
      expect(((await other.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
    }
  });

  it('answers a target that does not parse as a URL 404, and keeps serving', async () => {
    // To the URL parser `//` and `//a:b` are scheme-relative, with an empty or a bad host. Its error, thrown out of
    // the request listener, once ended the process.
    for (const target of ['//', '//a:b/metrics']) {
      expect(await statusLineOf(operations, target), target).toBe('HTTP/1.1 404 Not Found');
    }
    expect(await statusOf(`${operations}/healthz`)).toBe(200);
  });

  it('keeps the probes on the public port, without the metrics or the verbose details', async () => {
    expect(await statusOf(`${gateway.url}/healthz`)).toBe(200);
    const verbose = await fetch(`${gateway.url}/readyz?verbose`);
    expect(verbose.status).toBe(200);
    expect(await verbose.json()).toEqual({ status: 'ready' });
    expect(await statusOf(`${gateway.url}/metrics`)).toBe(404);
  });
});

describe('OPERATIONS_PORT during a shutdown', () => {
  it('answers /readyz 503 there through the delay and the drain, until the request in flight is done', async () => {
    const { held, release, fixture: upstream } = await holdProductCalls();
    const gateway = await startTestGateway({ upstreams: upstream.urls, env: { OPERATIONS_PORT: '0', SHUTDOWN_DELAY_MS: '200', UPSTREAM_TIMEOUT_MS: '15000' } });
    const operations = gateway.operationsUrl!;
    try {
      const inFlight = gql(gateway, 'web', '{ product(id: "fx-p1") { id name } }');
      await held;
      const stopping = gateway.shutdown();
      const draining = await fetch(`${operations}/readyz`);
      expect(draining.status).toBe(503);
      expect(await draining.json()).toEqual({ status: 'draining' });
      // After the delay the public port has stopped listening; the operations port still answers.
      await new Promise((resolve) => setTimeout(resolve, 400));
      await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow();
      expect(await statusOf(`${operations}/readyz`)).toBe(503);
      expect(await statusOf(`${operations}/healthz`)).toBe(200);
      release();
      expect(await inFlight).toMatchObject({ status: 200, body: { data: { product: { id: 'fx-p1' } } } });
      await stopping;
      await expect(fetch(`${operations}/healthz`)).rejects.toThrow();
    } finally {
      release();
      await upstream.close();
    }
  });
});
