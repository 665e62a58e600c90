/**
 * The observation seam of upstream calls, for tracing (W3C Trace Context,
 * OpenTelemetry client spans): a per-request `CallTracer` on `RequestMeta`
 * is told when each logical call starts, before each attempt (and may add
 * headers to it, such as `traceparent`), of each retry, and when the call
 * ends. Cache hits and coalesced calls are reported too, with no attempt.
 * `onCall` (metrics, the request log) stays the simpler end-only hook.
 * Nothing here costs anything when no tracer is set.
 */
import type { CacheResult } from './cached-http.js';
import type { ServiceName, UpstreamErrorCode } from './errors.js';
import type { CallEvent, HttpCall, HttpMethod } from './http-types.js';

/** What is known when a logical call starts (for a shared-service GET: once the cache has been asked). */
export interface CallStart {
  service: ServiceName;
  method: HttpMethod;
  /** The route template (`/products?ids`), never the concrete URL. */
  route: string;
  /** Ids asked for by a batch read (`?ids=`, `?productIds=`). */
  batchSize?: number;
  /** For shared-service GETs: served from the cache, joined a call in flight, or sent. */
  cache?: CacheResult;
}

/** A failed attempt that will be tried again after `waitMs`. */
export interface RetryInfo {
  /** The attempt that failed, from 1. */
  attempt: number;
  /** Its HTTP status, when it got a response. */
  status?: number;
  errorCode: UpstreamErrorCode;
  waitMs: number;
}

/** One logical call as a tracer follows it; every method is optional but `end`. */
export interface CallTrace {
  /**
   * Attempt `attempt` (from 1) is about to be sent. Returned headers are
   * added to that attempt only (a `traceparent` per attempt); names we own
   * or that carry credentials, and unsafe values, are dropped.
   */
  attempt?(attempt: number): Readonly<Record<string, string>> | undefined;
  retry?(info: RetryInfo): void;
  /** The call is over: the same event `onCall` gets (`attempts: 0` for a cache hit). */
  end(event: CallEvent): void;
}

export interface CallTracer {
  /** A new logical call; `undefined` to leave it untraced. */
  start(call: CallStart): CallTrace | undefined;
}

/** Runs an observer callback; what it throws is swallowed: an observer must never fail a call. */
export function quietly<T>(observe: () => T): T | undefined {
  try {
    return observe();
  } catch {
    return undefined;
  }
}

/** What a tracer learns of `call` as it starts; `cache` only for the shared-service GETs the cache layer saw. */
export function callStartOf(call: HttpCall<unknown>, cache?: CacheResult): CallStart {
  const start: CallStart = { service: call.service, method: call.method, route: call.route };
  if (call.batchSize !== undefined) start.batchSize = call.batchSize;
  if (cache !== undefined) start.cache = cache;
  return start;
}

/** Starts a trace when the request has a tracer; never throws. */
export function startTrace(tracer: CallTracer | undefined, call: CallStart): CallTrace | undefined {
  return tracer === undefined ? undefined : quietly(() => tracer.start(call));
}
