import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICE_NAMES, type ServiceName } from '../../clients/errors.js';
import type { DemoData } from './data.js';
import { withFaults, type FaultSwitch } from './faults.js';
import type { DemoHandler, HandlerOptions } from './http.js';
import { createInventoryHandler } from './inventory.js';
import { createNotificationsHandler } from './notifications.js';
import { createOrdersHandler } from './orders.js';
import { createPricingHandler } from './pricing.js';
import { createProductsHandler } from './products.js';
import { createReviewsHandler } from './reviews.js';
import { createSeed } from './seed.js';
import type { ServiceStats } from './stats.js';
import { createUsersHandler } from './users.js';

export type { DemoData, PricePoint } from './data.js';
export type { ServiceStats } from './stats.js';
export { createSeed } from './seed.js';
export { createFaultSwitch, FAULT_MODES, type FaultMode, type FaultSwitch } from './faults.js';

export interface DemoServicesOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Port per service; 0 or absent picks a free port. */
  ports?: Partial<Record<ServiceName, number>>;
  /** Delay before every contract response, for fan-out benchmarks. Default 0. */
  latencyMs?: number;
  /** The data to serve (and mutate); default a fresh `createSeed()`. */
  data?: DemoData;
  /** Fault injection, controlled in process only (chaos runs); absent: the services never fail on purpose. */
  faults?: FaultSwitch;
}

export interface DemoServices {
  /** Base URL per service, e.g. `http://127.0.0.1:40123`. */
  urls: Record<ServiceName, string>;
  /** The data being served; POST /orders and mark-read change it in place. */
  data: DemoData;
  stats(): Record<ServiceName, ServiceStats>;
  resetStats(): void;
  close(): Promise<void>;
}

/** The request handler of each service (also used by the benchmark's variant of the services). */
export const DEMO_HANDLER_FACTORIES: Record<ServiceName, (data: DemoData, options: HandlerOptions) => DemoHandler> = {
  users: createUsersHandler,
  orders: createOrdersHandler,
  products: createProductsHandler,
  inventory: createInventoryHandler,
  reviews: createReviewsHandler,
  pricing: createPricingHandler,
  notifications: createNotificationsHandler,
};

/** Longer than any client keep-alive agent keeps an idle socket, so the server never closes one mid-reuse. */
export const DEMO_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/**
 * Starts the seven demo backing services of CONTRACT.md §1, each its own
 * `node:http` server on loopback. Resolves once every server listens; if one
 * fails to listen, the others are closed and the promise rejects. `close()`
 * also drops idle keep-alive sockets so test runs do not hang.
 */
export async function startDemoServices(options: DemoServicesOptions = {}): Promise<DemoServices> {
  const host = options.host ?? '127.0.0.1';
  const data = options.data ?? createSeed();
  const handlerOptions: HandlerOptions = { latencyMs: options.latencyMs ?? 0 };
  const handlers = SERVICE_NAMES.map((name) => DEMO_HANDLER_FACTORIES[name](data, handlerOptions));
  const servers = handlers.map((handler) => {
    const faults = options.faults;
    const listener = faults ? withFaults(handler.name, handler.listener, faults) : handler.listener;
    const server = createServer({ keepAlive: true }, listener);
    server.keepAliveTimeout = DEMO_KEEP_ALIVE_TIMEOUT_MS;
    server.headersTimeout = DEMO_KEEP_ALIVE_TIMEOUT_MS + 1_000;
    return server;
  });
  const closeAll = async (): Promise<void> => {
    await Promise.all(servers.map(closeServer));
  };

  const listening = await Promise.allSettled(servers.map((server, i) => listen(server, host, options.ports?.[handlers[i].name] ?? 0)));
  const failure = listening.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await closeAll();
    throw failure.reason;
  }

  const urls = Object.fromEntries(
    servers.map((server, i) => [handlers[i].name, `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`]),
  ) as Record<ServiceName, string>;
  return {
    urls,
    data,
    stats: () => Object.fromEntries(handlers.map((handler) => [handler.name, handler.stats()])) as Record<ServiceName, ServiceStats>,
    resetStats: () => handlers.forEach((handler) => handler.resetStats()),
    close: closeAll,
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    // close() waits for open sockets; idle keep-alive ones would hold it forever.
    server.closeAllConnections();
  });
}

/** IPv6 literals need brackets in a URL. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
