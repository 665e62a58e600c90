/**
 * Caching and coalescing around `Http.call` for the shared services' GETs
 * (`SHARED_SERVICES`): a fresh cached body is served without an upstream
 * call; identical GETs in flight at the same moment share one upstream call;
 * a response is stored only when its `Cache-Control` allows a shared cache to
 * (clients/cache-policy.ts). Consumer-specific services and POSTs pass
 * straight through. The cache key is method + full URL (the price tier is in
 * the prices URL); one URL is always read by one verb, so by one `parse`.
 *
 * Values of these GETs are deep-frozen: a memory hit and every caller of a
 * coalesced call get the one validated object graph (no JSON.parse, no
 * validation again), which no caller may change for the others.
 */
import { performance } from 'node:perf_hooks';
import { SHARED_SERVICES, sharedCacheTtlMs } from './cache-policy.js';
import type { ResponseCache } from './cache.js';
import { callStartOf, quietly, startTrace, type CallTrace } from './call-tracer.js';
import { UpstreamError, type ServiceName } from './errors.js';
import type { CallEvent, Http, HttpCall } from './http-types.js';
import { deepFreeze } from './freeze.js';
import { failureReason, upstreamError } from './map-error.js';

export type CacheResult = 'hit' | 'miss' | 'coalesced';

export interface CacheEvent {
  service: ServiceName;
  route: string;
  result: CacheResult;
}

export interface CachedHttpOptions {
  cache: ResponseCache;
  onCache?: (event: CacheEvent) => void;
}

/**
 * Ends a call answered without an attempt of its own (a hit, or a coalesced wait): its trace, and when the call it
 * shared failed, this request's own record of the failure (its log line's `upstreamFailures`: the request that sent
 * the call saw it itself), with `attempts` 0 and the reason marked `(coalesced)`.
 */
function endUnsent(trace: CallTrace | undefined, call: HttpCall<unknown>, started: number, failure?: UpstreamError): void {
  const onCall = failure ? call.meta.onCall : undefined;
  if (!trace && !onCall) return;
  const event: CallEvent = { service: call.service, method: call.method, route: call.route, attempts: 0, durationMs: performance.now() - started };
  if (failure) {
    event.errorCode = failure.code;
    event.reason = `${failureReason(failure)} (coalesced)`;
    if (failure.status !== undefined) event.status = failure.status;
  }
  if (trace) quietly(() => trace.end(event));
  if (onCall) quietly(() => onCall(event));
}

/** A cached entry that is missing, or that this version cannot read (another deploy's shape): fetch afresh. */
const UNREADABLE: unique symbol = Symbol('unreadable');

/** A body text from the shared cache, parsed and checked by this call's own `parse`, frozen like a fresh value. */
function readText<T>(call: HttpCall<T>, text: string): T | typeof UNREADABLE {
  try {
    return deepFreeze(call.parse(JSON.parse(text)));
  } catch {
    return UNREADABLE;
  }
}

/** Waits for a shared call, but never past this caller's own deadline. */
async function withinDeadline<T>(call: HttpCall<unknown>, shared: Promise<T>): Promise<T> {
  const deadline = call.meta.deadline;
  if (deadline === undefined) return shared;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(upstreamError('UPSTREAM_TIMEOUT', call.service, undefined, new Error('coalesced call outlived the deadline'))),
      Math.max(0, deadline - performance.now()),
    );
  });
  try {
    return await Promise.race([shared, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Wraps `http` with the response cache and in-flight coalescing; `circuits` and `close` pass through. */
export function withResponseCache(http: Http, options: CachedHttpOptions): Http {
  const { cache } = options;
  /** The frozen values of the GETs in flight, by cache key. */
  const inFlight = new Map<string, Promise<unknown>>();
  const observe = (call: HttpCall<unknown>, result: CacheResult) => {
    try {
      options.onCache?.({ service: call.service, route: call.route, result });
    } catch {
      // Metrics must never fail a call.
    }
  };

  function lead<T>(call: HttpCall<T>, key: string, trace: CallTrace | undefined): Promise<T> {
    let ttlMs = 0;
    let text = '';
    const value = http
      .call({
        ...call,
        trace,
        onResponse: (response) => {
          call.onResponse?.(response);
          ttlMs = sharedCacheTtlMs(response.headers);
          text = response.text;
        },
      })
      .then((parsed) => {
        const frozen = deepFreeze(parsed);
        if (ttlMs > 0) void cache.setResponse(key, { text, value: frozen }, ttlMs);
        return frozen;
      });
    inFlight.set(key, value);
    // Followers see the leader's failure through `value`; this copy only ends the sharing.
    value.then(
      () => inFlight.delete(key),
      () => inFlight.delete(key),
    );
    return value;
  }

  return {
    async call<T>(call: HttpCall<T>): Promise<T> {
      if (call.method !== 'GET' || !SHARED_SERVICES.has(call.service)) return http.call(call);
      const key = `GET ${call.url}`;
      const { tracer } = call.meta;
      const started = tracer ? performance.now() : 0;
      const cached = await cache.getResponse(key);
      // Stored by `lead` for this URL, so produced by this same verb's `parse`; or text from the shared cache.
      const value = cached === undefined ? UNREADABLE : 'value' in cached ? (cached.value as T) : readText(call, cached.text);
      if (value !== UNREADABLE) {
        observe(call, 'hit');
        if (tracer) endUnsent(startTrace(tracer, callStartOf(call, 'hit')), call, started);
        return value;
      }
      const shared = inFlight.get(key);
      if (shared) {
        observe(call, 'coalesced');
        const trace = tracer ? startTrace(tracer, callStartOf(call, 'coalesced')) : undefined;
        try {
          // The leader's value, from this same verb's `parse` (see `lead`).
          const value = (await withinDeadline(call, shared)) as T;
          endUnsent(trace, call, started);
          return value;
        } catch (error) {
          endUnsent(trace, call, started, error instanceof UpstreamError ? error : upstreamError('UPSTREAM_UNAVAILABLE', call.service, undefined, error));
          throw error;
        }
      }
      observe(call, 'miss');
      return lead(call, key, tracer ? startTrace(tracer, callStartOf(call, 'miss')) : undefined);
    },
    circuits: () => http.circuits(),
    close: () => http.close(),
  };
}
