/**
 * One service's calls for one request: `Http` bound to a base URL, a service
 * name and the request's headers. Builds full URL strings itself, so base
 * URLs with a path prefix work, and encodes every path segment and query value.
 */
import type { Http } from './http.js';
import type { RequestMeta } from './index.js';
import { UpstreamError, type ServiceName } from './errors.js';
import { MAX_BATCH_IDS, type PageArgs } from './types.js';

/** Query values: a list is sent comma-joined with each item encoded (`?ids=a,b%2Cc`). */
export type Query = Record<string, string | readonly string[] | undefined>;

export interface Upstream {
  /** GET; rejects with an `UpstreamError` on any failure. */
  get<T>(route: string, segments: readonly string[], query: Query, parse: (body: unknown) => T): Promise<T>;
  /** GET of a single resource: `null` on 404 or on an id no URL can address. */
  getOrNull<T>(route: string, segments: readonly string[], parse: (body: unknown) => T): Promise<T | null>;
  /** POST with a JSON body and an `Idempotency-Key` (generated when not given); sent again once only when its connection failed. */
  post<T>(route: string, segments: readonly string[], body: unknown, idempotencyKey: string | undefined, parse: (body: unknown) => T): Promise<T>;
  /** POST to a single resource: `null` on 404 or on an id no URL can address. */
  postOrNull<T>(route: string, segments: readonly string[], parse: (body: unknown) => T): Promise<T | null>;
}

/**
 * True for a path segment that survives URL parsing as itself. WHATWG URL
 * resolves `.` and `..` as dot segments (encodeURIComponent leaves dots alone),
 * which would turn `/users/..` into another route; an empty id would hit the
 * list route. Such ids cannot name a resource, so single reads answer `null`.
 */
export function isAddressable(segment: string): boolean {
  return segment !== '' && segment !== '.' && segment !== '..';
}

/** Joins a base URL (any path prefix, any trailing slash) with encoded segments and a query. */
export function buildUrl(baseUrl: string, segments: readonly string[], query: Query = {}): string {
  const path = segments.map((s) => '/' + encodeURIComponent(s)).join('');
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const encoded = typeof value === 'string' ? encodeURIComponent(value) : value.map(encodeURIComponent).join(',');
    pairs.push(`${encodeURIComponent(key)}=${encoded}`);
  }
  return baseUrl.replace(/\/+$/, '') + path + (pairs.length > 0 ? '?' + pairs.join('&') : '');
}

/** `limit`/`cursor` query values; an empty cursor is "from the start". */
export function pageQuery(page: PageArgs = {}): Query {
  return {
    limit: page.limit === undefined ? undefined : String(page.limit),
    cursor: page.cursor === undefined || page.cursor === null || page.cursor === '' ? undefined : page.cursor,
  };
}

/**
 * Runs a batch read over any number of ids: de-duplicated, empty ids dropped,
 * split into chunks of at most `MAX_BATCH_IDS` fetched in parallel; no call at
 * all for an empty list. Items keep the upstream's order within each chunk.
 */
export async function batchRead<T>(ids: readonly string[], fetchChunk: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const unique = [...new Set(ids)].filter((id) => id !== '');
  if (unique.length === 0) return [];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += MAX_BATCH_IDS) chunks.push(unique.slice(i, i + MAX_BATCH_IDS));
  const results = await Promise.all(chunks.map(fetchChunk));
  return results.flat();
}

/** The number of ids of a batch read: the length of its one list-valued query parameter. */
function batchSizeOf(query: Query): number | undefined {
  for (const key in query) {
    const value = query[key];
    if (Array.isArray(value)) return value.length;
  }
  return undefined;
}

async function nullOn404<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof UpstreamError && error.code === 'NOT_FOUND') return null;
    throw error;
  }
}

/**
 * `http` bound to one service and one request's headers and deadline: one
 * small object per service a request reaches, its methods shared.
 */
class BoundUpstream implements Upstream {
  constructor(
    private readonly http: Http,
    private readonly service: ServiceName,
    private readonly baseUrl: string,
    private readonly meta: RequestMeta,
  ) {}

  get<T>(route: string, segments: readonly string[], query: Query, parse: (body: unknown) => T): Promise<T> {
    const { service, meta } = this;
    const batchSize = batchSizeOf(query);
    const url = buildUrl(this.baseUrl, segments, query);
    return this.http.call(batchSize === undefined ? { service, method: 'GET', url, route, meta, parse } : { service, method: 'GET', url, route, meta, parse, batchSize });
  }

  post<T>(route: string, segments: readonly string[], body: unknown, idempotencyKey: string | undefined, parse: (body: unknown) => T): Promise<T> {
    return this.http.call({
      service: this.service,
      method: 'POST',
      url: buildUrl(this.baseUrl, segments),
      route,
      meta: this.meta,
      parse,
      ...(body === undefined ? {} : { body }),
      ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    });
  }

  async getOrNull<T>(route: string, segments: readonly string[], parse: (body: unknown) => T): Promise<T | null> {
    if (!segments.every(isAddressable)) return null;
    return nullOn404(() => this.get(route, segments, {}, parse));
  }

  async postOrNull<T>(route: string, segments: readonly string[], parse: (body: unknown) => T): Promise<T | null> {
    if (!segments.every(isAddressable)) return null;
    return nullOn404(() => this.post(route, segments, undefined, undefined, parse));
  }
}

/** Binds `http` to one service and one request's headers and deadline. */
export function bindUpstream(http: Http, service: ServiceName, baseUrl: string, meta: RequestMeta): Upstream {
  return new BoundUpstream(http, service, baseUrl, meta);
}
