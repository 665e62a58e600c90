/**
 * The demo backing services as their own process for the benchmark:
 * `node --import tsx bench/upstreams.ts`. The same handlers, seed and
 * keep-alive settings as `startDemoServices`, plus one switch the embedded
 * services lack: `BENCH_NO_STORE=1` makes every response `Cache-Control:
 * no-store`, so the gateway's shared response cache stores nothing and the
 * gateway can be measured doing every upstream call, as the baseline does.
 * `DEMO_LATENCY_MS` delays every contract response. Prints one JSON line
 * `{"urls":{…}}` on stdout once every service listens.
 */
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICE_NAMES, type ServiceName } from '../clients/errors.js';
import { createSeed, DEMO_HANDLER_FACTORIES, DEMO_KEEP_ALIVE_TIMEOUT_MS } from '../src/demo/index.js';

/**
 * A response whose `Cache-Control` is always `no-store`. Setting a header in
 * the constructor makes Node merge the handler's `writeHead(status, headers)`
 * through `setHeader`, which is where the value is replaced.
 */
class NoStoreResponse extends ServerResponse {
  constructor(req: IncomingMessage) {
    super(req);
    this.setHeader('cache-control', 'no-store');
  }

  override setHeader(name: string, value: number | string | readonly string[]): this {
    return super.setHeader(name, name.toLowerCase() === 'cache-control' ? 'no-store' : value);
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

const latencyMs = Number(process.env['DEMO_LATENCY_MS'] ?? '0');
const noStore = process.env['BENCH_NO_STORE'] === '1';
const data = createSeed();
const servers: Server[] = [];
const urls = {} as Record<ServiceName, string>;
for (const name of SERVICE_NAMES) {
  const handler = DEMO_HANDLER_FACTORIES[name](data, { latencyMs });
  const server = noStore
    ? createServer({ keepAlive: true, ServerResponse: NoStoreResponse }, handler.listener)
    : createServer({ keepAlive: true }, handler.listener);
  server.keepAliveTimeout = DEMO_KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = DEMO_KEEP_ALIVE_TIMEOUT_MS + 1_000;
  servers.push(server);
  urls[name] = `http://127.0.0.1:${await listen(server)}`;
}
process.stdout.write(`${JSON.stringify({ urls })}\n`);

const stop = (): void => {
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
