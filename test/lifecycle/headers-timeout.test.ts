import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway.js';
import { startFixtureUpstream, type FixtureUpstream } from '../helpers/fixture-upstream.js';
import { EDGE_MODES, startTestGateway } from '../helpers/gateway.js';

/**
 * It applies to every request, the healthy one beside the slow client too: Node counts it from the connection's
 * start and sweeps before it reads, so a process held off the CPU for longer (a loaded machine: 500 ms was missed)
 * answers a request whose headers had long arrived 408. Longer than that, and far shorter than the slow client sends.
 */
const HEADERS_TIMEOUT_MS = 3_000;
/** Past the timeout: Node's sweep (a quarter of it) and a loaded machine's delays. Without a timeout: 10 s and more. */
const CLOSE_MARGIN_MS = 3_000;

let upstream: FixtureUpstream;
let gateway: Gateway;

/** Sends a request line, then one header byte every `everyMs` for up to `forMs`; resolves when the server closes the socket. */
function slowHeaders(everyMs: number, forMs: number): Promise<{ closedAfterMs: number; reply: string; bytesSent: number }> {
  const { port } = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
    const started = performance.now();
    let reply = '';
    let bytesSent = 0;
    const header = 'X-Slow: ' + 'a'.repeat(10_000);
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\n');
      timer = setInterval(() => {
        if (performance.now() - started > forMs) {
          clearInterval(timer);
          socket.destroy();
          reject(new Error(`socket still open after ${forMs} ms`));
          return;
        }
        socket.write(header[bytesSent % header.length]!);
        bytesSent += 1;
      }, everyMs);
    });
    socket.on('data', (chunk) => void (reply += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: performance.now() - started, reply, bytesSent });
    });
  });
}

describe.each(EDGE_MODES)('A client sending its headers a byte at a time (slow-loris), served by $edge', ({ edgeThread }) => {
  beforeAll(async () => {
    upstream = await startFixtureUpstream();
    gateway = await startTestGateway({ upstreams: upstream.urls, env: { HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), OVERLOAD_EDGE_THREAD: edgeThread } });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });
  it('has its socket closed at the headers timeout, while it still sends', async () => {
    // Without a headers timeout the client would keep the socket for the whole 10 s.
    const { closedAfterMs, reply, bytesSent } = await slowHeaders(100, 10_000);
    expect(closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + CLOSE_MARGIN_MS);
    expect(bytesSent).toBeGreaterThan(0);
    expect(reply === '' || reply.startsWith('HTTP/1.1 408')).toBe(true);
  });

  it('keeps serving everyone else', async () => {
    const [slow, fast] = await Promise.all([slowHeaders(100, 10_000), fetch(`${gateway.url}/healthz`)]);
    expect(fast.status).toBe(200);
    expect(slow.closedAfterMs).toBeLessThan(HEADERS_TIMEOUT_MS + CLOSE_MARGIN_MS);
  });
});
