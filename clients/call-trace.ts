/**
 * The hooks by which a tracer sees one logical upstream call, whatever the
 * transport under `Http`. The clients never import a tracing library: the
 * request brings a `CallTracer` in `RequestMeta.tracer` (absent when tracing
 * is off), `withCallTracing` starts one `CallTrace` per call, and the layers
 * below report through `HttpCall.trace`:
 *
 * - the response cache: `cache(hit | miss | coalesced)`;
 * - the transport: sends `headers` with every attempt, tells `retry` before a
 *   retry and `circuitOpen` when the breaker refuses one, and `settle`s with
 *   the call's `CallEvent` (last status, attempts, error code);
 * - `withCallTracing` ends it when the call's promise settles.
 */
import type { CacheResult } from './cached-http.js';
import type { CallEvent, Http, HttpCall, HttpMethod } from './http-types.js';
import type { ServiceName } from './errors.js';

export interface CallStart {
  service: ServiceName;
  method: HttpMethod;
  /** The route template (`/products?ids`), never the concrete URL. */
  route: string;
  /** Ids asked for by a batch read (`?ids=`, `?productIds=`); absent for other calls. */
  batchSize?: number;
}

export interface CallTrace {
  /** Sent upstream with every attempt: the W3C `traceparent` (and `tracestate`) naming this call. */
  readonly headers: Readonly<Record<string, string>>;
  /** A shared-service GET was served from the cache, joined an identical call in flight, or missed. */
  cache(result: CacheResult): void;
  /** Attempt number `attempt` (2, 3, …) will be sent after `delayMs`, because of `reason` (a status or an error code). */
  retry(attempt: number, delayMs: number, reason: string): void;
  /** The service's open circuit refused an attempt: nothing was sent. */
  circuitOpen(): void;
  /** The transport's account of the whole call (also given to the metrics observers). */
  settle(event: CallEvent): void;
  /** The call is over: `error` when it failed. Called once. */
  end(error?: unknown): void;
}

export interface CallTracer {
  start(call: CallStart): CallTrace;
}

/**
 * `?ids=a,b,c` counts 3: the batch-size parameter is the one the route
 * template names after `?`. Read from the built URL without parsing it (ids
 * are percent-encoded, so a comma there is always a separator).
 */
function batchSizeOf(call: HttpCall<unknown>): number | undefined {
  const at = call.route.indexOf('?');
  if (at < 0) return undefined;
  const name = call.route.slice(at + 1);
  const query = call.url.indexOf('?');
  if (query < 0) return undefined;
  for (const pair of call.url.slice(query + 1).split('&')) {
    if (pair.startsWith(`${name}=`)) return pair.split(',').length;
  }
  return undefined;
}

/**
 * Wraps `http` so each call of a traced request gets its `CallTrace`. A call
 * without `meta.tracer` (tracing off, health probes) costs one property read.
 */
export function withCallTracing(http: Http): Http {
  return {
    call<T>(call: HttpCall<T>): Promise<T> {
      const tracer = call.meta.tracer;
      if (!tracer) return http.call(call);
      const batchSize = batchSizeOf(call);
      const trace = tracer.start({
        service: call.service,
        method: call.method,
        route: call.route,
        ...(batchSize === undefined ? {} : { batchSize }),
      });
      return http.call({ ...call, trace }).then(
        (value) => {
          trace.end();
          return value;
        },
        (error: unknown) => {
          trace.end(error);
          throw error;
        },
      );
    },
    circuits: () => http.circuits(),
    close: () => http.close(),
  };
}
