/**
 * A counting front for upstream services: forwards every request to the real
 * service unchanged and answers what it answered, except that nothing may be
 * cached (`Cache-Control: no-store`), so every call an operation needs reaches
 * a service and is counted, by service and by the `X-Correlation-ID` the
 * gateway sent with it. For tests only.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICE_NAMES, type ServiceName } from '../../clients/index.js';

export interface CountedCall {
  service: ServiceName;
  method: string;
  /** Path and query, as sent. */
  url: string;
}

export interface CountingProxy {
  urls: Record<ServiceName, string>;
  /** The calls made with each correlation id, in arrival order. */
  callsFor(correlationId: string): readonly CountedCall[];
  close(): Promise<void>;
}

/** Starts one loopback proxy per service in front of `targets`. */
export async function startCountingProxy(targets: Record<ServiceName, string>): Promise<CountingProxy> {
  const calls = new Map<string, CountedCall[]>();
  const servers: http.Server[] = [];
  const urls = {} as Record<ServiceName, string>;
  const agent = new http.Agent({ keepAlive: true });
  for (const service of SERVICE_NAMES) {
    const target = new URL(targets[service]);
    const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
      const id = String(req.headers['x-correlation-id'] ?? '');
      const list = calls.get(id) ?? [];
      list.push({ service, method: req.method ?? 'GET', url: req.url ?? '/' });
      calls.set(id, list);
      const headers = { ...req.headers, host: target.host };
      const forward = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
        (answer) => {
          const out = { ...answer.headers, 'cache-control': 'no-store' };
          res.writeHead(answer.statusCode ?? 502, out);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    urls[service] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  return {
    urls,
    callsFor: (correlationId) => calls.get(correlationId) ?? [],
    close: async () => {
      agent.destroy();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}
