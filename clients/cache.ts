/**
 * The upstream response cache: keyv over a bounded in-memory map by default,
 * or over Redis (`clients/redis-cache.ts`) so several gateway processes share
 * it. We call keyv ourselves around each GET (an HTTP library's own cache
 * option, got's cacheable-request, leaked one keyv listener per request:
 * STACK.md pitfall 1). Every operation is bounded in time and never throws: a cache
 * that is slow or down is a miss, never a failed or hanging call.
 */
import { Keyv } from 'keyv';
import { BoundedMap } from './bounded-map.js';

export interface ResponseCache {
  readonly kind: 'memory' | 'redis';
  /** The stored body text, or `undefined` on a miss, an error or a slow store. */
  get(key: string): Promise<string | undefined>;
  /** Stores `text` for `ttlMs`; failures are swallowed (and reported to `onError`). */
  set(key: string, text: string, ttlMs: number): Promise<void>;
  /** True when the store answers now. */
  ready(): Promise<boolean>;
  /** Listeners registered on keyv and its store's connection: flat over any number of calls (pitfall 1). */
  listenerCount(): number;
  close(): Promise<void>;
}

export interface KeyvCacheOptions {
  kind: ResponseCache['kind'];
  /** Longest wait for one store operation before it counts as a miss. */
  opTimeoutMs: number;
  /** False skips the store entirely (a disconnected Redis): an instant miss. */
  available?: () => boolean;
  ready?: () => Promise<boolean>;
  close?: () => Promise<void>;
  /** Listeners on the store's own connection, if it has one. */
  storeListenerCount?: () => number;
  onError?: (error: unknown) => void;
}

/** Resolves `promise`, or `fallback` once `ms` have passed; a rejection also gives `fallback`. */
async function bounded<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } catch {
    return fallback;
  } finally {
    clearTimeout(timer);
  }
}

/** Wraps a keyv instance into a `ResponseCache` with bounded, never-throwing operations. */
export function keyvCache(keyv: Keyv<string>, options: KeyvCacheOptions): ResponseCache {
  const available = options.available ?? (() => true);
  // One listener for the life of the cache, so a store error is never an unhandled 'error' event.
  keyv.on('error', (error: unknown) => options.onError?.(error));
  const report = (error: unknown) => {
    options.onError?.(error);
    return undefined;
  };
  return {
    kind: options.kind,
    async get(key) {
      if (!available()) return undefined;
      const value = await bounded(keyv.get(key).catch(report), options.opTimeoutMs, undefined);
      return typeof value === 'string' ? value : undefined;
    },
    async set(key, text, ttlMs) {
      if (!available() || ttlMs <= 0) return;
      await bounded(keyv.set(key, text, ttlMs).then(() => undefined, report), options.opTimeoutMs, undefined);
    },
    ready: options.ready ?? (async () => true),
    listenerCount: () =>
      [...keyv._eventListeners.values()].reduce((sum, list) => sum + list.length, 0) + (options.storeListenerCount?.() ?? 0),
    close: options.close ?? (async () => undefined),
  };
}

/** The default cache: process memory, at most `maxEntries` entries (least recently used evicted first). */
export function createMemoryCache(maxEntries = 10_000): ResponseCache {
  const keyv = new Keyv<string>({ store: new BoundedMap<string, unknown>(maxEntries), namespace: 'bff-cache', useKeyPrefix: false });
  return keyvCache(keyv, { kind: 'memory', opTimeoutMs: 1_000 });
}
