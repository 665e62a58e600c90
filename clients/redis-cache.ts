/**
 * The response cache in Redis (`REDIS_URL`), shared by every gateway process.
 * Outage policy: Redis down or slow means cache misses, never a failed or
 * hanging upstream call. @keyv/redis's own client waits forever while it
 * reconnects (STACK.md pitfall 2), so we build the client ourselves: a connect
 * timeout, capped reconnect backoff, no offline queue (a command while
 * disconnected fails at once), and no store call at all while not ready.
 */
import KeyvRedis, { createClient } from '@keyv/redis';
import { Keyv } from 'keyv';
import { keyvCache, type ResponseCache } from './cache.js';

export interface RedisCacheOptions {
  url: string;
  /** Longest wait for one cache read or write. Default 250. */
  opTimeoutMs?: number;
  /** Longest wait for a (re)connection. Default 1000. */
  connectTimeoutMs?: number;
  /** Told of connection and command errors (rate-limit it: Redis retries every couple of seconds). */
  onError?: (error: unknown) => void;
}

/** Key prefix: one namespace, set on the store only, so keys are not double-prefixed (`bff-cache::GET …`). */
export const REDIS_CACHE_NAMESPACE = 'bff-cache';

/** Connects in the background and returns at once: the gateway starts (with misses) even when Redis is down. */
export function createRedisCache(options: RedisCacheOptions): ResponseCache {
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 1_000,
      // Never give up (Redis may come back), but never retry faster than every 2 s once it has been down a while.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
    },
  });
  // Without a listener an 'error' event (every failed reconnect) would crash the process.
  client.on('error', (error: unknown) => options.onError?.(error));
  client.connect().catch((error: unknown) => options.onError?.(error));
  const store = new KeyvRedis<string>(client, { throwOnConnectError: false, throwOnErrors: false });
  const keyv = new Keyv<string>({ store, namespace: REDIS_CACHE_NAMESPACE, useKeyPrefix: false });
  const opTimeoutMs = options.opTimeoutMs ?? 250;

  return keyvCache(keyv, {
    kind: 'redis',
    opTimeoutMs,
    available: () => client.isReady,
    storeListenerCount: () => client.eventNames().reduce((sum, name) => sum + client.listenerCount(name), 0),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
    async ready() {
      if (!client.isReady) return false;
      const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), opTimeoutMs).unref());
      return Promise.race([client.ping().then((reply) => reply === 'PONG', () => false), timeout]);
    },
    async close() {
      // destroy, not close: a polite QUIT would wait on a server that may be gone.
      if (client.isOpen) client.destroy();
    },
  });
}
