/**
 * Caching and coalescing around `Http.call` for the shared services' GETs
 * (`SHARED_SERVICES`): a fresh cached body is served without an upstream
 * call; identical GETs in flight at the same moment share one upstream call;
 * a response is stored only when its `Cache-Control` allows a shared cache to
 * (clients/cache-policy.ts). Consumer-specific services and POSTs pass
 * straight through. The cache key is method + full URL (the price tier is in
 * the prices URL).
 */
import { performance } from 'node:perf_hooks';
import { SHARED_SERVICES, sharedCacheTtlMs } from './cache-policy.js';
import type { ResponseCache } from './cache.js';
import type { ServiceName } from './errors.js';
import type { Http, HttpCall } from './http-types.js';
import { upstreamError } from './map-error.js';

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

/** Parses a shared or cached body with this caller's own `parse`: a bad one is UPSTREAM_BAD_RESPONSE. */
function parseText<T>(call: HttpCall<T>, text: string): T {
  try {
    return call.parse(JSON.parse(text));
  } catch (error) {
    throw upstreamError('UPSTREAM_BAD_RESPONSE', call.service, undefined, error);
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
  /** Body text of the GETs in flight, by cache key. */
  const inFlight = new Map<string, Promise<string>>();
  const observe = (call: HttpCall<unknown>, result: CacheResult) => {
    call.trace?.cache(result);
    try {
      options.onCache?.({ service: call.service, route: call.route, result });
    } catch {
      // Metrics must never fail a call.
    }
  };

  async function lead<T>(call: HttpCall<T>, key: string): Promise<T> {
    let text: string | undefined;
    const value = http.call({
      ...call,
      onResponse: (response) => {
        text = response.text;
        call.onResponse?.(response);
        const ttlMs = sharedCacheTtlMs(response.headers);
        if (ttlMs > 0) void cache.set(key, response.text, ttlMs);
      },
    });
    const body = value.then(() => text ?? '');
    inFlight.set(key, body);
    // Followers see the leader's failure through `body`; this copy only ends the sharing.
    body.then(
      () => inFlight.delete(key),
      () => inFlight.delete(key),
    );
    return value;
  }

  return {
    async call<T>(call: HttpCall<T>): Promise<T> {
      if (call.method !== 'GET' || !SHARED_SERVICES.has(call.service)) return http.call(call);
      const key = `GET ${call.url}`;
      const cached = await cache.get(key);
      if (cached !== undefined) {
        try {
          const value = call.parse(JSON.parse(cached));
          observe(call, 'hit');
          return value;
        } catch {
          // An entry this version cannot read (another deploy's shape): fetch afresh.
        }
      }
      const shared = inFlight.get(key);
      if (shared) {
        observe(call, 'coalesced');
        return parseText(call, await withinDeadline(call, shared));
      }
      observe(call, 'miss');
      return lead(call, key);
    },
    circuits: () => http.circuits(),
    close: () => http.close(),
  };
}
