/**
 * The upstream response cache: keyv over a bounded in-memory map by default,
 * or over Redis (`clients/redis-cache.ts`) so several gateway processes share
 * it. Memory keeps a response as the validated (frozen) value itself, so a
 * hit costs no JSON.parse and no validation; Redis keeps the body text,
 * parsed and validated again by the reader (STACK.md pitfall 12). We call keyv ourselves around each GET (an HTTP library's own cache
 * option, got's cacheable-request, leaked one keyv listener per request:
 * STACK.md pitfall 1). Every operation is bounded in time and never throws: a cache
 * that is slow or down is a miss, never a failed or hanging call.
 */
import { Keyv } from 'keyv';
import { BoundedMap } from './bounded-map.js';
import { oldSpaceLimitBytes } from './heap-limit.js';

/** A cached upstream response: the validated value itself (memory), or its body text to parse again (Redis). */
export type CachedResponse = { readonly value: unknown } | { readonly text: string };

export interface ResponseCache {
  readonly kind: 'memory' | 'redis';
  /** The stored text, or `undefined` on a miss, an error or a slow store. */
  get(key: string): Promise<string | undefined>;
  /** Stores `text` for `ttlMs`; failures are swallowed (and reported to `onError`). */
  set(key: string, text: string, ttlMs: number): Promise<void>;
  /** The cached response for `key`, or `undefined` on a miss, an error or a slow store. */
  getResponse(key: string): Promise<CachedResponse | undefined>;
  /**
   * Stores a validated response for `ttlMs`: memory keeps `value` (which the
   * caller has deep-frozen: every hit hands out that same object), Redis keeps `text`.
   */
  setResponse(key: string, response: { text: string; value: unknown }, ttlMs: number): Promise<void>;
  /** True when the store answers now. */
  ready(): Promise<boolean>;
  /** Listeners registered on keyv and its store's connection: flat over any number of calls (pitfall 1). */
  listenerCount(): number;
  close(): Promise<void>;
}

export interface KeyvCacheOptions {
  kind: ResponseCache['kind'];
  /**
   * Longest wait for one store operation before it counts as a miss; absent:
   * unbounded (process memory cannot be slow, and a timer per hit is not free).
   */
  opTimeoutMs?: number;
  /** True when the store holds JavaScript values (memory), false when everything must be text (Redis). */
  keepsValues?: boolean;
  /** False skips the store entirely (a disconnected Redis): an instant miss. */
  available?: () => boolean;
  ready?: () => Promise<boolean>;
  close?: () => Promise<void>;
  /** Listeners on the store's own connection, if it has one. */
  storeListenerCount?: () => number;
  onError?: (error: unknown) => void;
}

/** What `bounded` gives when the store did not answer in time. */
const LATE = Symbol('late');

/** Resolves `promise`, or `LATE` once `ms` have passed. */
async function bounded<T>(promise: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** After an operation the store did not answer in time, how long every operation is an instant miss. */
export const STALL_PAUSE_MS = 1_000;

/** A validated response as the memory store keeps it: distinguishable from any text entry. */
class StoredValue {
  constructor(
    readonly value: unknown,
    /** The length of the body text it was parsed from: what the memory store counts it as. */
    readonly bytes: number,
  ) {}
}

/** What one entry of the memory store (keyv's `{ value, expires }` envelope) counts against its byte budget. */
function entryBytes(entry: unknown): number {
  const value = (entry as { value?: unknown } | undefined)?.value;
  if (value instanceof StoredValue) return value.bytes;
  return typeof value === 'string' ? value.length : 0;
}

/** Wraps a keyv instance into a `ResponseCache` with bounded, never-throwing operations. */
export function keyvCache(keyv: Keyv<unknown>, options: KeyvCacheOptions): ResponseCache {
  const available = options.available ?? (() => true);
  const { opTimeoutMs } = options;
  // One listener for the life of the cache, so a store error is never an unhandled 'error' event.
  keyv.on('error', (error: unknown) => options.onError?.(error));
  const report = (error: unknown) => {
    options.onError?.(error);
    return undefined;
  };
  // A store that did not answer in time (a stalled Redis) is skipped for STALL_PAUSE_MS, then one
  // operation tries it while the others still miss: without this every lookup of every request waited
  // the whole bound, one after another down the fan-out.
  let stalledUntil = 0;
  let trying = false;
  const usable = (): boolean => {
    if (!available()) return false;
    if (stalledUntil === 0) return true;
    if (trying || performance.now() < stalledUntil) return false;
    trying = true;
    return true;
  };
  const settle = async <T>(operation: Promise<T>, ms: number, fallback: T): Promise<T> => {
    let outcome: T | typeof LATE;
    try {
      outcome = await bounded(operation, ms);
    } finally {
      trying = false;
    }
    if (outcome !== LATE) {
      stalledUntil = 0;
      return outcome;
    }
    if (stalledUntil === 0) options.onError?.(new Error(`no answer from the cache store within ${ms} ms: lookups miss for now`));
    // The monotonic clock: a wall clock stepped back must not stretch the pause.
    stalledUntil = performance.now() + STALL_PAUSE_MS;
    return fallback;
  };
  const read = async (key: string): Promise<unknown> => {
    if (!usable()) return undefined;
    const value = keyv.get(key).catch(report);
    return opTimeoutMs === undefined ? value : settle(value, opTimeoutMs, undefined);
  };
  const write = async (key: string, value: unknown, ttlMs: number): Promise<void> => {
    if (ttlMs <= 0 || !usable()) return;
    const done = keyv.set(key, value, ttlMs).then(() => undefined, report);
    await (opTimeoutMs === undefined ? done : settle(done, opTimeoutMs, undefined));
  };
  return {
    kind: options.kind,
    async get(key) {
      const value = await read(key);
      return typeof value === 'string' ? value : undefined;
    },
    set: write,
    async getResponse(key) {
      const stored = await read(key);
      if (stored instanceof StoredValue) return stored;
      return typeof stored === 'string' ? { text: stored } : undefined;
    },
    setResponse(key, response, ttlMs) {
      return write(key, options.keepsValues ? new StoredValue(response.value, response.text.length) : response.text, ttlMs);
    },
    ready: options.ready ?? (async () => true),
    listenerCount: () =>
      [...keyv._eventListeners.values()].reduce((sum, list) => sum + list.length, 0) + (options.storeListenerCount?.() ?? 0),
    close: options.close ?? (async () => undefined),
  };
}

/**
 * The memory cache's default budget, counted as the length of each stored
 * answer's body text (characters: bytes for ASCII JSON). A service decides what
 * is cacheable and clients pick the URLs (product ids, batches), so without one
 * 10,000 entries of up to a response's 8 MiB each could be kept for minutes.
 * What is kept is the value parsed from that text, which takes 1.3 to 3 times
 * its length on the heap (each string and object has a header of its own), so
 * the budget is also at most an eighth of the old space's limit: under the
 * documented `--max-old-space-size=128`, 64 Mi characters of cached catalog
 * pages were more than the whole heap, and the process died out of memory
 * (again after each restart, as clients filled the cache again).
 */
export const MEMORY_CACHE_MAX_BYTES = Math.min(64 * 1024 * 1024, Math.floor(oldSpaceLimitBytes() / 8));

/**
 * The default cache: process memory, at most `maxEntries` entries whose body
 * texts sum to at most `maxBytes` (least recently used evicted first; one
 * response larger than `maxBytes` on its own is not kept).
 */
export function createMemoryCache(maxEntries = 10_000, maxBytes = MEMORY_CACHE_MAX_BYTES): ResponseCache {
  const keyv = new Keyv<unknown>({
    store: new BoundedMap<string, unknown>(maxEntries, maxBytes, entryBytes),
    namespace: 'bff-cache',
    useKeyPrefix: false,
  });
  // Values stay JavaScript values: no JSON envelope on every write and read.
  keyv.serialize = undefined;
  keyv.deserialize = undefined;
  return keyvCache(keyv, { kind: 'memory', keepsValues: true });
}
