/**
 * The response cache in Redis (`REDIS_URL`), shared by every gateway process.
 * Outage policy: Redis down or slow means cache misses, never a failed or
 * hanging upstream call: the connection comes from `connectRedis` (no offline
 * queue, capped reconnects), and the store is not called at all while it is
 * not ready.
 */
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import { keyvCache, type ResponseCache } from './cache.js';
import { closeRedis, connectRedis, reopenIfReadOnly, type RedisConnection } from './redis-connection.js';

export interface RedisCacheOptions {
  /** A shared connection (its owner closes it), or `url` to open one of the cache's own. */
  connection?: RedisConnection;
  url?: string;
  /** Put before every key (`REDIS_KEY_PREFIX`), so several deployments can share one Redis. Default ''. */
  keyPrefix?: string;
  /** Longest wait for one cache read or write. Default 250. */
  opTimeoutMs?: number;
  /** Longest wait for a (re)connection. Default 1000. */
  connectTimeoutMs?: number;
  /** Told of connection and command errors (rate-limit it: Redis retries every couple of seconds). */
  onError?: (error: unknown) => void;
}

/**
 * Key prefix: one namespace, set on the store only, so keys are not double-prefixed
 * (`<REDIS_KEY_PREFIX>bff-cache::GET …`).
 */
export const REDIS_CACHE_NAMESPACE = 'bff-cache';

function missingUrl(): never {
  throw new Error('createRedisCache needs a connection or a url');
}

/** Connects in the background and returns at once: the gateway starts (with misses) even when Redis is down. */
export function createRedisCache(options: RedisCacheOptions): ResponseCache {
  const owned = options.connection === undefined;
  const client =
    options.connection ??
    connectRedis({
      url: options.url ?? missingUrl(),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.onError === undefined ? {} : { onError: options.onError }),
    });
  const store = new KeyvRedis<string>(client, { throwOnConnectError: false, throwOnErrors: false });
  const keyv = new Keyv<string>({
    store,
    namespace: `${options.keyPrefix ?? ''}${REDIS_CACHE_NAMESPACE}`,
    useKeyPrefix: false,
    // Redis expires each entry itself (the TTL goes with the write). keyv's own `expires` is a time on the
    // writer's clock, which a reader compares with its own and deletes the entry for everyone when past it:
    // one replica whose clock runs behind or ahead would turn the other replicas' entries into misses.
    // It is left out of what is written, and ignored in what was written before.
    serialize: ({ value }) => JSON.stringify({ value }),
    deserialize: <Value>(text: string) => ({ value: (JSON.parse(text) as { value: Value }).value }),
  });
  const opTimeoutMs = options.opTimeoutMs ?? 250;

  return keyvCache(keyv, {
    kind: 'redis',
    opTimeoutMs,
    available: () => client.isReady,
    storeListenerCount: () => client.eventNames().reduce((sum, name) => sum + client.listenerCount(name), 0),
    onError(error) {
      // A write refused by the old primary after a failover: the connection is opened again, to the new one.
      reopenIfReadOnly(client, error);
      options.onError?.(error);
    },
    async ready() {
      if (!client.isReady) return false;
      const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), opTimeoutMs).unref());
      return Promise.race([client.ping().then((reply) => reply === 'PONG', () => false), timeout]);
    },
    async close() {
      if (owned) await closeRedis(client);
    },
  });
}
