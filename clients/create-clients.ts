/**
 * The process-wide entry point of `clients/`: one got instance, one set of
 * keep-alive agents, and cheap per-request views that carry that request's
 * headers.
 */
import { randomUUID } from 'node:crypto';
import { SERVICE_NAMES, type ServiceName } from './errors.js';
import { createHttp, type CallObserver } from './http.js';
import type { Clients, ClientsOptions, RequestMeta, ServiceClients } from './index.js';
import { bindUpstream } from './upstream.js';
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
}

/**
 * Builds the clients once per process. `forRequest(meta)` only creates
 * closures over the shared got instance; `health` never throws; `close`
 * destroys the keep-alive agents. Base URLs may carry a path prefix.
 */
export function createClients(options: CreateClientsOptions): Clients {
  for (const service of SERVICE_NAMES) {
    // Fail at start-up, not on the first request, when a URL is unusable.
    const url = new URL(options.urls[service]);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${service} URL must be http(s)`);
  }
  const http = createHttp({
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.onCall === undefined ? {} : { onCall: options.onCall }),
  });
  const bind = (service: ServiceName, meta: RequestMeta) => bindUpstream(http, service, options.urls[service], meta);

  return {
    forRequest(meta: RequestMeta): ServiceClients {
      return {
        users: createUsersClient(bind('users', meta)),
        orders: createOrdersClient(bind('orders', meta)),
        products: createProductsClient(bind('products', meta)),
        inventory: createInventoryClient(bind('inventory', meta)),
        reviews: createReviewsClient(bind('reviews', meta)),
        pricing: createPricingClient(bind('pricing', meta)),
        notifications: createNotificationsClient(bind('notifications', meta)),
      };
    },
    async health(service: ServiceName, timeoutMs = 1000): Promise<boolean> {
      try {
        return await http.call({
          service,
          method: 'GET',
          url: `${options.urls[service].replace(/\/+$/, '')}/health`,
          route: '/health',
          meta: { correlationId: `health-${randomUUID()}` },
          parse: (body) => isRecord(body) && body.status === 'ok',
          timeoutMs,
          // A readiness probe wants the current state, not a retried one.
          retries: 0,
        });
      } catch {
        return false;
      }
    },
    close(): void {
      http.close();
    },
  };
}
