/**
 * The typed REST clients' public surface. Everything above `clients/` depends
 * on these interfaces, never on the HTTP library.
 */
import type { CircuitState } from './circuit-breaker.js';
import type { ServiceName } from './errors.js';
import type { CallTracer } from './call-tracer.js';
import type { EgressProxy } from './egress-proxy.js';
import type { CallObserver } from './http-types.js';
import type { Page, PageArgs, Tier } from './types.js';
import type { User } from './users/types.js';
import type { NewOrder, Order } from './orders/types.js';
import type { Product, ProductQuery } from './products/types.js';
import type { StockRow } from './inventory/types.js';
import type { Review, ReviewSummary } from './reviews/types.js';
import type { PriceRow } from './pricing/types.js';
import type { Notification } from './notifications/types.js';

export type { ServiceName } from './errors.js';
export type { CircuitState } from './circuit-breaker.js';
export type { CallEvent, CallObserver } from './http-types.js';
export type { EgressFetch, EgressProxy } from './egress-proxy.js';
export type { CallStart, CallTrace, CallTracer, RetryInfo } from './call-tracer.js';
export { SERVICE_NAMES, UpstreamError, type UpstreamErrorCode } from './errors.js';
export * from './types.js';
export type { User } from './users/types.js';
export type { NewOrder, Order, OrderLine, OrderStatus } from './orders/types.js';
export type { Product, ProductQuery } from './products/types.js';
export type { StockRow } from './inventory/types.js';
export type { Review, ReviewSummary } from './reviews/types.js';
export type { PriceRow } from './pricing/types.js';
export type { Notification } from './notifications/types.js';

/** Per-request facts: upstream headers, the operation's deadline, and the request's own call observer. */
export interface RequestMeta {
  /** Sent as `X-Correlation-ID` on every call. */
  correlationId: string;
  /** Sent as `X-Consumer-ID` when present. */
  consumerId?: string | undefined;
  /**
   * `performance.now()` by which every upstream call of this operation must be
   * over: each call shrinks its own timeout to fit. `forRequest` sets it to
   * now + the upstream timeout when absent.
   */
  deadline?: number | undefined;
  /** Told of every upstream call made for this request (the request log counts them). */
  onCall?: CallObserver | undefined;
  /** Follows each upstream call of this request step by step, and may add headers to its attempts (tracing). */
  tracer?: CallTracer | undefined;
  /** Set by `ServiceClients.abandon`: the client that asked has gone, so nothing more is sent for it. */
  abandoned?: boolean | undefined;
}

export interface UsersClient {
  /** `GET /users/{id}`; `null` on 404. */
  getUser(id: string): Promise<User | null>;
  /** `GET /users?ids=`; any order, unknown ids omitted. Splits over 100 ids. */
  getUsersByIds(ids: readonly string[]): Promise<User[]>;
}

export interface OrdersClient {
  /** `GET /orders?userId=&limit=&cursor=`, newest first. */
  listOrdersByUser(userId: string, page?: PageArgs): Promise<Page<Order>>;
  getOrder(id: string): Promise<Order | null>;
  getOrdersByIds(ids: readonly string[]): Promise<Order[]>;
  /** `POST /orders` with `Idempotency-Key`; sent again once only when its connection failed (clients/http.ts). */
  placeOrder(order: NewOrder, idempotencyKey: string): Promise<Order>;
}

export interface ProductsClient {
  getProduct(id: string): Promise<Product | null>;
  getProductsByIds(ids: readonly string[]): Promise<Product[]>;
  /** `GET /products?limit=&cursor=&categoryId=&q=`, ordered by id. */
  listProducts(query?: ProductQuery, page?: PageArgs): Promise<Page<Product>>;
}

export interface InventoryClient {
  /** `GET /inventory?productIds=`; a product with no row is absent. */
  getStockByProductIds(productIds: readonly string[]): Promise<StockRow[]>;
}

export interface ReviewsClient {
  getSummariesByProductIds(productIds: readonly string[]): Promise<ReviewSummary[]>;
  /** `GET /reviews?productId=&limit=&cursor=`, newest first. */
  listReviews(productId: string, page?: PageArgs): Promise<Page<Review>>;
}

export interface PricingClient {
  getPricesByProductIds(productIds: readonly string[], tier: Tier): Promise<PriceRow[]>;
}

export interface NotificationsClient {
  /** `unread: true` only unread, `false` only read, absent all. */
  listNotifications(userId: string, filter?: { unread?: boolean }, page?: PageArgs): Promise<Page<Notification>>;
  getUnreadCount(userId: string): Promise<number>;
  /** `POST /notifications/{id}/read` (idempotent); `null` on 404. */
  markRead(id: string): Promise<Notification | null>;
}

/** The clients for one request: every call carries that request's headers. */
export interface ServiceClients {
  users: UsersClient;
  orders: OrdersClient;
  products: ProductsClient;
  inventory: InventoryClient;
  reviews: ReviewsClient;
  pricing: PricingClient;
  notifications: NotificationsClient;
  /**
   * The client that asked has gone: calls not yet sent fail at once and
   * retries stop, so no further level of the fan-out reaches a service for an
   * answer nobody will read. Calls already sent finish (cutting them would
   * count against the services' circuits).
   */
  abandon(): void;
}

export interface ClientsOptions {
  /** Base URL per service; may include a path prefix (`http://host:1234/users-svc`). */
  urls: Record<ServiceName, string>;
  /** Total deadline of one logical call, retries included. Default 5000. */
  timeoutMs?: number;
  /** Retries of an idempotent GET after a connection error, 502/503/504. Default 2. */
  retries?: number;
  /** Circuit breaker per service: consecutive failures to open (default 5) and the cool-down (default 10000 ms). */
  circuit?: { failureThreshold?: number; cooldownMs?: number };
  /** Largest response body in bytes; a larger one is cut off as it arrives (`UPSTREAM_BAD_RESPONSE`). Default 8 MiB. */
  maxResponseBytes?: number;
  /** A connection older than this is replaced after its current request; 0: never. Default 60000. */
  connectionMaxAgeMs?: number;
  /** `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` as configured; absent: every upstream is called directly. */
  proxy?: EgressProxy;
}

/** Built once per process; `forRequest` is cheap and called once per request. */
export interface Clients {
  forRequest(meta: RequestMeta): ServiceClients;
  /** `GET /health` of one service, with a short deadline; never throws. Bypasses the circuit breaker. */
  health(service: ServiceName, timeoutMs?: number): Promise<boolean>;
  /** Every service's circuit state right now. */
  circuits(): Record<ServiceName, CircuitState>;
  /** True when the response cache's store answers (always true in memory); never throws. */
  cacheReady(): Promise<boolean>;
  /** Closes keep-alive sockets and the cache's store connection. */
  close(): Promise<void>;
}
