/**
 * `npm run bench:hop [-- --round-trips 40000 --in-flight 10]`: what it costs
 * to hand a request from an edge thread to the main thread and its answer
 * back, the one measure an edge thread's design turns on (docs/overload.md,
 * BENCHMARKS.md "An edge thread, tried"). One process, both threads on one
 * core (as the gateway runs in the overload bench), CPU of both threads per
 * round trip:
 *
 * - `message`: a worker posts the parsed request (method, path, headers, a
 *   1 KB body) to the main thread over a `MessagePort`, which answers with
 *   status, headers and a 2.5 KB body — the hop a worker that parses HTTP
 *   itself would make;
 * - `http`: the worker sends the same request over a keep-alive loopback
 *   connection to an HTTP server on the main thread — the hop of the spike
 *   that was measured and not landed (a second HTTP client and parse).
 *
 * Neither includes the client-facing HTTP work, which the edge thread would
 * take over from the main thread rather than add.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

type Mode = 'message' | 'http';
interface Job {
  mode: Mode;
  port: number | undefined;
  roundTrips: number;
  inFlight: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

const BODY = Buffer.from(JSON.stringify({ query: `query ProductPage($id: ID!) { ${'product(id: $id) { id name } '.repeat(28)}}`, variables: { id: 'p1' } }));
const HEADERS: Record<string, string> = {
  host: '127.0.0.1',
  'content-type': 'application/json',
  'content-length': String(BODY.length),
  authorization: `Bearer ${'x'.repeat(180)}`,
  'user-agent': 'bench/1.0',
  accept: 'application/json',
  'x-correlation-id': 'bench-hop-0001',
};
const ANSWER = JSON.stringify({ data: { product: { id: 'p1', name: 'n'.repeat(2500) } } });
const ANSWER_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'x-correlation-id': 'bench-hop-0001' };

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'round-trips': { type: 'string', default: '40000' }, 'in-flight': { type: 'string', default: '10' } } });
  const roundTrips = Number(values['round-trips']);
  const inFlight = Number(values['in-flight']);
  for (const mode of ['message', 'http', 'message', 'http'] as const) {
    const server =
      mode === 'http'
        ? http.createServer((req, res) => {
            req.resume();
            req.on('end', () => res.writeHead(200, ANSWER_HEADERS).end(ANSWER));
          })
        : undefined;
    if (server) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const job: Job = { mode, port: server ? (server.address() as AddressInfo).port : undefined, roundTrips, inFlight, headers: HEADERS, body: BODY };
    const worker = new Worker(EDGE, { eval: true, workerData: job });
    worker.on('message', (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'id' in message) {
        worker.postMessage({ id: (message as { id: number }).id, status: 200, headers: ANSWER_HEADERS, body: ANSWER });
      }
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    const cpu = process.cpuUsage();
    const started = performance.now();
    worker.postMessage('go');
    await new Promise<void>((resolve) => worker.on('message', (message) => message === 'done' && resolve()));
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - started) / 1000;
    console.log(`${mode.padEnd(7)} ${((used.user + used.system) / roundTrips).toFixed(1)} µs CPU per round trip (both threads), ${(roundTrips / seconds).toFixed(0)} round trips/s`);
    await worker.terminate();
    server?.close();
  }
}

/**
 * The edge thread's side, as plain JavaScript (a worker does not get this
 * file's TypeScript loader): keeps `inFlight` requests going until
 * `roundTrips` are answered, then says `done`.
 */
const EDGE = `
const { workerData: job, parentPort: port } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: job.inFlight });
const waiting = new Map();
let sent = 0;
let answered = 0;
function next() {
  if (sent >= job.roundTrips) return;
  const id = sent++;
  const done = () => (++answered === job.roundTrips ? port.postMessage('done') : next());
  if (job.mode === 'message') {
    waiting.set(id, done);
    port.postMessage({ id, method: 'POST', path: '/web/graphql', headers: job.headers, body: job.body });
    return;
  }
  const req = http.request({ host: '127.0.0.1', port: job.port, method: 'POST', path: '/web/graphql', headers: job.headers, agent }, (res) => {
    res.resume();
    res.on('end', done);
  });
  req.end(job.body);
}
port.on('message', (message) => {
  if (message === 'go') {
    for (let i = 0; i < job.inFlight; i += 1) next();
    return;
  }
  const done = waiting.get(message.id);
  waiting.delete(message.id);
  done();
});
port.postMessage('ready');
`;

await main();
