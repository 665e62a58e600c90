/**
 * The shapes around `Http.call`: what a call asks for, what it reports, and
 * how the transport is configured. Kept apart from `http.ts` so the cache
 * layer and the observers depend on these types, not on the HTTP library.
 */
import type { CallTrace } from './call-tracer.js';
import type { CircuitState } from './circuit-breaker.js';
import type { EgressProxy } from './egress-proxy.js';
import type { ServiceName, UpstreamErrorCode } from './errors.js';
import type { RequestMeta } from './index.js';
import type { ServiceGuardOptions } from './service-guards.js';

/**
 * The largest response body read by default (`UPSTREAM_MAX_RESPONSE_BYTES`):
 * a page or batch of the contract's at most 100 items is far below it, and
 * a body this large already holds the event loop for a second or more to
 * parse.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/**
 * How long an upstream connection is used before it is replaced by a new one
 * (`UPSTREAM_CONNECTION_MAX_AGE_MS`): long enough that reconnecting costs
 * nothing measurable, short enough that calls follow a service to a new
 * address (or spread to new replicas) within a minute under steady load.
 */
export const DEFAULT_CONNECTION_MAX_AGE_MS = 60_000;

export type HttpMethod = 'GET' | 'POST';

/** One finished logical call (retries included), for metrics and logs. */
export interface CallEvent {
  service: ServiceName;
  method: HttpMethod;
  /** The route template (`/products/{id}`), never the concrete URL: bounded label cardinality. */
  route: string;
  /** Status of the last response, when one arrived. */
  status?: number;
  /** Set when the call failed. */
  errorCode?: UpstreamErrorCode;
  /** Set when the call failed: why, for operators' logs (map-error.ts's failureReason), never for a client. */
  reason?: string;
  /** HTTP requests actually sent: 0 when the circuit was open or the operation's deadline was spent. */
  attempts: number;
  /** Set when the open circuit refused the call (or its retry) without reaching the service. */
  circuitOpen?: true;
  /** Set when nothing was sent because the request's client had gone (`ServiceClients.abandon`). */
  abandoned?: true;
  durationMs: number;
}

export type CallObserver = (event: CallEvent) => void;

/** A successful response as the cache layer sees it: the body text and the headers that govern caching. */
export interface UpstreamResponse {
  text: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface HttpOptions extends ServiceGuardOptions {
  /** Total deadline of one logical call, retries and backoff included. Default 5000. */
  timeoutMs?: number;
  /** Extra attempts of a GET after a connection error or 502/503/504. Default 2. */
  retries?: number;
  /** Sockets per upstream origin. Default 64. */
  maxSockets?: number;
  /** Connect phase limit per attempt (one value per process), so a black-holed host leaves time for a retry. Default 1000. */
  connectTimeoutMs?: number;
  /** Larger bodies are cut off (in bytes, as they arrive) as malformed. Default `DEFAULT_MAX_RESPONSE_BYTES`. */
  maxResponseBytes?: number;
  /** A connection older than this is replaced after its current request; 0: never. Default `DEFAULT_CONNECTION_MAX_AGE_MS`. */
  connectionMaxAgeMs?: number;
  /** The egress proxy settings; absent: every upstream is called directly. */
  proxy?: EgressProxy;
  onCall?: CallObserver;
}

export interface HttpCall<T> {
  service: ServiceName;
  method: HttpMethod;
  /** Absolute URL, already encoded. */
  url: string;
  route: string;
  meta: RequestMeta;
  /** Sent as JSON. */
  body?: unknown;
  /** For POST; a fresh one is generated when absent (every POST carries one). */
  idempotencyKey?: string;
  /** Validates the parsed JSON of a 2xx body; any throw means UPSTREAM_BAD_RESPONSE. */
  parse: (body: unknown) => T;
  timeoutMs?: number;
  retries?: number;
  /**
   * `false` bypasses the circuit breaker and the retry budget: for health
   * probes, which must see the service as it is and must not move its circuit.
   */
  guarded?: boolean;
  /** Called with a 2xx response whose body `parse` accepted (the cache stores it). */
  onResponse?: (response: UpstreamResponse) => void;
  /** Ids asked for, when this is a batch read (for the call tracer). */
  batchSize?: number;
  /** A trace already started by the cache layer; otherwise `Http.call` starts one with `meta.tracer`. */
  trace?: CallTrace | undefined;
}

export interface Http {
  /** Runs one logical call; resolves the parsed 2xx body or rejects with an `UpstreamError`. */
  call<T>(call: HttpCall<T>): Promise<T>;
  /** Every service's circuit state right now. */
  circuits(): Record<ServiceName, CircuitState>;
  /** Destroys the keep-alive pools. */
  close(): void;
}
