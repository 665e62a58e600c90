import type { Consumer } from '../auth/consumer.js';

/** How long a shared cache (a CDN) may keep a cacheable answer: as long as the catalog services cache their own. */
export const SHARED_CACHE_MAX_AGE_S = 30;

/**
 * Whether the request names its operation by persisted id in the URL (the APQ GET form, which a `documentId` was read
 * as: `search` is the request as Apollo ran it), so the URL is the cache key.
 */
function isPersistedGet(method: string | undefined, search: string): boolean {
  if (method !== 'GET') return false;
  const params = new URLSearchParams(search);
  if (params.has('query')) return false;
  const extensions = params.get('extensions');
  if (!extensions) return false;
  try {
    const parsed = JSON.parse(extensions) as { persistedQuery?: { sha256Hash?: unknown } };
    return typeof parsed.persistedQuery?.sha256Hash === 'string';
  } catch {
    return false;
  }
}

/** True for an answer with data and no errors: a dry run (cost only, no data) or a refusal is never shared. */
function isFullAnswer(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { data?: unknown; errors?: unknown };
    return parsed.errors === undefined && typeof parsed.data === 'object' && parsed.data !== null;
  } catch {
    return false;
  }
}

/**
 * The `Cache-Control` (and `Vary`) of a GraphQL answer (RFC 9111). Shared
 * caches may keep it only when it is the same for everyone who sends that URL:
 * a query by persisted id over GET, from an anonymous caller (so no viewer
 * data and free-tier prices), answered 200 with data and without errors (a
 * dry run, which answers its cost and no data, once made a CDN serve an empty
 * product page to everyone). Everything else is `no-store`.
 */
export function cacheHeadersFor(
  method: string | undefined,
  /** The request's search string as Apollo ran it. */
  search: string,
  consumer: Consumer,
  status: number,
  body: string | undefined,
): Record<string, string> {
  const shareable =
    consumer.kind === 'anonymous' && status === 200 && isPersistedGet(method, search) && body !== undefined && isFullAnswer(body);
  if (!shareable) return { 'cache-control': 'no-store' };
  // Credentials change the answer: a cache must never hand this one to a signed-in caller.
  return { 'cache-control': `public, max-age=${SHARED_CACHE_MAX_AGE_S}`, vary: 'Origin, Authorization, X-API-Key, Accept, X-Cost-Dry-Run' };
}
