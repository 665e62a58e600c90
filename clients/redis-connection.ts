/**
 * The one way this project connects to Redis (`REDIS_URL`): connect in the
 * background so the gateway starts even when Redis is down; a connect
 * timeout and capped reconnect backoff (never give up: Redis may come back);
 * no offline queue, so a command while disconnected fails at once and its
 * caller can fall back instead of waiting (@keyv/redis's own client would
 * wait forever: STACK.md pitfall 2). The gateway opens one connection and
 * shares it between the response cache, the persisted-query store and the
 * rate-limit budgets. Its users reopen it when it is left on the wrong server
 * or on a dead path after a failover (`reopenIfReadOnly`, `reopenRedis`).
 */
import { createClient } from '@redis/client';

export interface RedisConnectionOptions {
  url: string;
  /** Longest wait for a (re)connection. Default 1000. */
  connectTimeoutMs?: number;
  /** Told of every connection error (rate-limit it: reconnects report each attempt). */
  onError?: (error: unknown) => void;
}

/** Opens a connection in the background and returns at once; check `isReady` before relying on it. */
export function connectRedis(options: RedisConnectionOptions) {
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 1_000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2_000),
    },
  });
  // Without a listener an 'error' event (every failed reconnect) would crash the process.
  client.on('error', (error: unknown) => options.onError?.(error));
  client.connect().catch((error: unknown) => options.onError?.(error));
  return client;
}

/** A connection made by `connectRedis`. */
export type RedisConnection = ReturnType<typeof connectRedis>;

/** Connections `closeRedis` has begun to close: never opened again (`reopenRedis`). */
const closing = new WeakSet<RedisConnection>();

/**
 * Closes politely when connected (the answers to the commands already sent,
 * for at most 500 ms), then ends the connection; one that is down or
 * reconnecting is ended at once, since a polite close would wait for a
 * server that may be gone.
 */
export async function closeRedis(client: RedisConnection): Promise<void> {
  closing.add(client);
  if (!client.isOpen) return;
  if (client.isReady) {
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 500);
    });
    // Answers come in order: PING's comes after those of every command sent before it. Not `client.close()`: a server
    // that never answers left its socket open for good, since a client being closed can no longer be destroyed.
    await Promise.race([client.ping().catch(() => undefined), giveUp]);
    clearTimeout(timer);
  }
  if (client.isOpen) client.destroy();
}

/** Least time between two reopenings of one connection (a REDIS_URL naming a replica would otherwise churn). */
const REOPEN_INTERVAL_MS = 1_000;
const lastReopened = new WeakMap<RedisConnection, number>();

/**
 * Closes the connection and opens it again, resolving the URL's host name
 * anew, as at start-up (in the background, capped backoff; its errors reach
 * the connection's `onError`). For a connection that leads to the wrong
 * server or nowhere after a failover, which Redis itself never closes. At
 * most once a second per connection, and never once `closeRedis` has begun;
 * commands waiting on the old one fail (their callers fall back, as for any
 * failed command).
 */
export function reopenRedis(client: RedisConnection): void {
  // A connection being closed (a READONLY answer or a silent probe during shutdown) stays closed.
  if (closing.has(client) || !client.isOpen || !client.isReady) return;
  const now = performance.now();
  if (now - (lastReopened.get(client) ?? -Infinity) < REOPEN_INTERVAL_MS) return;
  lastReopened.set(client, now);
  client.destroy();
  client.connect().catch(() => undefined);
}

/**
 * Reopens the connection when `error` is a READONLY answer. A failover
 * (ElastiCache, Memorystore, Azure Cache: the endpoint's name moves to the
 * promoted replica) can leave the old primary up as a replica: a connection
 * opened before refuses every write for as long as it lasts, so budgets would
 * stay local and cache writes fail until the gateway restarted.
 */
export function reopenIfReadOnly(client: RedisConnection, error: unknown): void {
  if (error instanceof Error && error.message.startsWith('READONLY')) reopenRedis(client);
}
