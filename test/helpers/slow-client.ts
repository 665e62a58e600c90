import { connect, type Socket } from 'node:net';
import type { Gateway } from '../../src/gateway.js';

/** The gateway's verbose readiness: its state and the GraphQL requests it counts in flight. */
export async function verboseStatus(gateway: Pick<Gateway, 'url'>): Promise<{ status: string; inFlight: number }> {
  return (await (await fetch(`${gateway.url}/readyz?verbose`)).json()) as { status: string; inFlight: number };
}

/**
 * A client that sends a POST's headers (with `Expect: 100-continue` and any
 * `headers` given) and the first bytes of its body, then nothing more;
 * resolves once the server has read the headers (its `100 Continue`), so the
 * request is surely being received.
 */
export async function trickle(gateway: Pick<Gateway, 'url'>, headers: Record<string, string> = {}): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { port } = new URL(gateway.url);
  const socket = connect(Number(port), '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const continued = new Promise<void>((resolve) => socket.once('data', (chunk) => chunk.toString().startsWith('HTTP/1.1 100') && resolve()));
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.write(`POST /web/graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n${extra}\r\n`);
  await continued;
  socket.write('{"query":');
  return { socket, closed };
}
