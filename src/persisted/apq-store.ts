/**
 * Where automatic persisted queries are registered: the shared store layer
 * of the upstream cache (clients/cache.ts), seen through Apollo's
 * `KeyValueCache` interface. In memory by default; in Redis with `REDIS_URL`,
 * so a hash registered on one gateway process runs by hash on every other.
 *
 * Outage policy (the response cache's): Redis down or slower than 250 ms is
 * a miss — the client gets PERSISTED_QUERY_NOT_FOUND and resends the full
 * query — and a registration is dropped; never an error, never a hang; one
 * warning at most every 30 s.
 */
import type { PersistedQueryOptions } from '@apollo/server';
import type { Logger } from 'pino';
import { createMemoryCache, type ResponseCache } from '../../clients/cache.js';
import { createRedisCache } from '../../clients/redis-cache.js';
import type { RedisConnection } from '../../clients/redis-connection.js';
import { throttledWarn } from '../observability/throttled-log.js';

export type PersistedQueryCache = NonNullable<PersistedQueryOptions['cache']>;

/** How long a registered document is kept (also sent by Apollo as the `ttl` of each registration). */
export const APQ_TTL_SECONDS = 24 * 60 * 60;
/** Documents kept in process memory without Redis (least recently used evicted first). */
const MEMORY_ENTRIES = 1_000;

export interface PersistedQueryStore {
  readonly kind: ResponseCache['kind'];
  /** What Apollo's `persistedQueries.cache` is given; Apollo prefixes its keys with `apq:`. */
  readonly cache: PersistedQueryCache;
  close(): Promise<void>;
}

/** Apollo's KeyValueCache over a never-throwing, time-bounded ResponseCache. */
export function persistedQueryCache(store: ResponseCache, ttlSeconds = APQ_TTL_SECONDS): PersistedQueryCache {
  return {
    get: (key) => store.get(key),
    set: (key, value, options) => store.set(key, value, (options?.ttl ?? ttlSeconds) * 1_000),
    // Apollo never deletes a registration; it expires.
    delete: async () => false,
  };
}

/**
 * The APQ store for this process: on the gateway's Redis connection when
 * there is one (keys `<keyPrefix>bff-cache::apq:<sha256>`), else memory.
 */
export function createPersistedQueryStore(redis: RedisConnection | null, logger: Logger, keyPrefix = ''): PersistedQueryStore {
  const store = redis
    ? createRedisCache({
        connection: redis,
        keyPrefix,
        onError: throttledWarn(logger, 'persisted queries: Redis unavailable, unknown hashes answer PERSISTED_QUERY_NOT_FOUND'),
      })
    : createMemoryCache(MEMORY_ENTRIES);
  return { kind: store.kind, cache: persistedQueryCache(store), close: () => store.close() };
}
