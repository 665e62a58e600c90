/**
 * The process-wide entry point of `clients/`: a transport per service with a
 * keep-alive pool per upstream origin, one circuit breaker and retry budget per service, one
 * response cache, and cheap per-request views that carry that request's
 * headers and deadline.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { createMemoryCache, type ResponseCache } from './cache.js';
import { withResponseCache, type CacheEvent } from './cached-http.js';
import { SERVICE_NAMES, type ServiceName } from './errors.js';
import { createHttp } from './http.js';
import type { CallObserver, HttpOptions } from './http-types.js';
import type {
  Clients,
  ClientsOptions,
  InventoryClient,
  NotificationsClient,
  OrdersClient,
  PricingClient,
  ProductsClient,
  RequestMeta,
  ReviewsClient,
  ServiceClients,
  UsersClient,
} from './index.js';
import { bindUpstream, type Upstream } from './upstream.js';
import { isRecord } from './validate.js';
import { createUsersClient } from './users/client.js';
import { createOrdersClient } from './orders/client.js';
import { createProductsClient } from './products/client.js';
import { createInventoryClient } from './inventory/client.js';
import { createReviewsClient } from './reviews/client.js';
import { createPricingClient } from './pricing/client.js';
import { createNotificationsClient } from './notifications/client.js';

export interface CreateClientsOptions extends ClientsOptions {
  /** Called once per finished upstream call (retries included): the metrics hook. */
  onCall?: CallObserver;
  /** Called once per GET of a shared service: cache hit, miss, or joined an identical call in flight. */
  onCache?: (event: CacheEvent) => void;
  /** Told when a service's circuit opens, half-opens or closes. */
  onCircuitChange?: HttpOptions['onCircuitChange'];
  /** The response cache; default: in memory. Closed by `close`. */
  cache?: ResponseCache;
  /** Retry budget per service (tests tune it); default 20% of calls plus 10. */
  retryBudget?: HttpOptions['retryBudget'];
}

/**
 * Builds the clients once per process. `forRequest(meta)` only creates
 * closures over the shared transport and starts the operation's deadline;
 * `health` never throws; `close` destroys the keep-alive pools and the
 * cache's connection. Base URLs may carry a path prefix.
 */
/**
 * One request's typed clients, each made on first use: a request reaches two
 * to five of the seven services, so the others cost nothing.
 */
class RequestClients implements ServiceClients {
  #users: UsersClient | undefined;
  #orders: OrdersClient | undefined;
  #products: ProductsClient | undefined;
  #inventory: InventoryClient | undefined;
  #reviews: ReviewsClient | undefined;
  #pricing: PricingClient | undefined;
  #notifications: NotificationsClient | undefined;

  constructor(
    private readonly bind: (service: ServiceName, meta: RequestMeta) => Upstream,
    private readonly meta: RequestMeta,
  ) {}

  abandon(): void {
    this.meta.abandoned = true;
  }

  get users(): UsersClient {
    return (this.#users ??= createUsersClient(this.bind('users', this.meta)));
  }
  get orders(): OrdersClient {
    return (this.#orders ??= createOrdersClient(this.bind('orders', this.meta)));
  }
  get products(): ProductsClient {
    return (this.#products ??= createProductsClient(this.bind('products', this.meta)));
  }
  get inventory(): InventoryClient {
    return (this.#inventory ??= createInventoryClient(this.bind('inventory', this.meta)));
  }
  get reviews(): ReviewsClient {
    return (this.#reviews ??= createReviewsClient(this.bind('reviews', this.meta)));
  }
  get pricing(): PricingClient {
    return (this.#pricing ??= createPricingClient(this.bind('pricing', this.meta)));
  }
  get notifications(): NotificationsClient {
    return (this.#notifications ??= createNotificationsClient(this.bind('notifications', this.meta)));
  }
}

export function createClients(options: CreateClientsOptions): Clients {
  for (const service of SERVICE_NAMES) {
    // Fail at start-up, not on the first request, when a URL is unusable.
    const url = new URL(options.urls[service]);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${service} URL must be http(s)`);
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const http = createHttp({
    timeoutMs,
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
    ...(options.connectionMaxAgeMs === undefined ? {} : { connectionMaxAgeMs: options.connectionMaxAgeMs }),
    ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
    ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
    ...(options.circuit === undefined ? {} : { circuit: options.circuit }),
    ...(options.retryBudget === undefined ? {} : { retryBudget: options.retryBudget }),
    ...(options.onCircuitChange === undefined ? {} : { onCircuitChange: options.onCircuitChange }),
  });
  const cache = options.cache ?? createMemoryCache();
  const cached = withResponseCache(http, { cache, ...(options.onCache === undefined ? {} : { onCache: options.onCache }) });
  const bind = (service: ServiceName, meta: RequestMeta) => bindUpstream(cached, service, options.urls[service], meta);

  return {
    forRequest(request: RequestMeta): ServiceClients {
      // The operation's clock starts here, once per request: every call of every level fits inside it.
      return new RequestClients(bind, { ...request, deadline: request.deadline ?? performance.now() + timeoutMs });
    },
    async health(service: ServiceName, healthTimeoutMs = 1000): Promise<boolean> {
      try {
        return await http.call({
          service,
          method: 'GET',
          url: `${options.urls[service].replace(/\/+$/, '')}/health`,
          route: '/health',
          meta: { correlationId: `health-${randomUUID()}` },
          parse: (body) => isRecord(body) && body.status === 'ok',
          timeoutMs: healthTimeoutMs,
          // A readiness probe wants the current state: no retry, no circuit.
          retries: 0,
          guarded: false,
        });
      } catch {
        return false;
      }
    },
    circuits: () => http.circuits(),
    cacheReady: () => cache.ready().catch(() => false),
    async close(): Promise<void> {
      http.close();
      await cache.close();
    },
  };
}
