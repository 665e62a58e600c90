import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { EDGE_MODES, startTestGateway } from '../helpers/gateway.js';

/** One keep-alive connection, as a load balancer's pool holds it: requests sent one after another on the same socket. */
interface PooledConnection {
  /** Sends a GET and resolves with the head of its answer (status line and headers). */
  get(path: string): Promise<string>;
  /** Resolves when the server closes the socket (never, while it is kept open). */
  closed: Promise<void>;
  destroy(): void;
}

async function connect(url: string): Promise<PooledConnection> {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffered = '';
  let waiting: ((head: string) => void) | undefined;
  socket.on('data', (chunk) => {
    buffered += chunk.toString('latin1');
    const end = buffered.indexOf('\r\n\r\n');
    const length = /content-length: (\d+)/i.exec(buffered)?.[1];
    if (end < 0 || length === undefined || buffered.length < end + 4 + Number(length)) return;
    const head = buffered.slice(0, end);
    buffered = buffered.slice(end + 4 + Number(length));
    waiting?.(head);
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    get: (path) =>
      new Promise((resolve) => {
        waiting = resolve;
        socket.write(`GET ${path} HTTP/1.1\r\nHost: gateway\r\n\r\n`);
      }),
    closed,
    destroy: () => socket.destroy(),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(EDGE_MODES)('Idle keep-alive connections, served by $edge', ({ edgeThread }) => {
  let upstream: FixtureUpstream;
  let defaults: Gateway;
  let short: Gateway;

  beforeAll(async () => {
    upstream = await startFixtureUpstream();
    defaults = await startTestGateway({ upstreams: upstream.urls, env: { OVERLOAD_EDGE_THREAD: edgeThread, OPERATIONS_PORT: '0' } });
    // The headers timeout shorter than the idle time: it counts from a request's first byte, not from the idle start.
    short = await startTestGateway({
      upstreams: upstream.urls,
      env: { OVERLOAD_EDGE_THREAD: edgeThread, KEEP_ALIVE_TIMEOUT_MS: '1500', HEADERS_TIMEOUT_MS: '300' },
    });
  });
  afterAll(async () => {
    await Promise.all([defaults.close(), short.close()]);
    await upstream.close();
  });

  it("are kept 72 s by default, longer than a load balancer's idle time (Node's own 5 s is shorter than an ALB's 60 s)", async () => {
    for (const url of [defaults.url, defaults.operationsUrl!]) {
      const connection = await connect(url);
      try {
        const head = await connection.get('/healthz');
        expect(head).toMatch(/^HTTP\/1\.1 200/);
        expect(head).toMatch(/\r\nKeep-Alive: timeout=72(\r\n|$)/i);
      } finally {
        connection.destroy();
      }
    }
  });

  it('are kept for KEEP_ALIVE_TIMEOUT_MS, then closed by the gateway', async () => {
    const connection = await connect(short.url);
    try {
      expect(await connection.get('/healthz')).toMatch(/\r\nKeep-Alive: timeout=1(\r\n|$)/i);
      // Idle for less than the setting (and more than the headers timeout): the same socket serves the next request.
      await sleep(700);
      expect(await connection.get('/readyz')).toMatch(/^HTTP\/1\.1 200/);
      // Idle for longer: the gateway closes it (with no answer owed), well before the default's 72 s.
      const closed = await Promise.race([connection.closed.then(() => true), sleep(10_000).then(() => false)]);
      expect(closed).toBe(true);
    } finally {
      connection.destroy();
    }
  });
});
