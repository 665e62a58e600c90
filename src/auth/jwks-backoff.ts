import { createLocalJWKSet, errors as joseErrors, type createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { CredentialCheckUnavailable } from './credential-error.js';

type RemoteJWKSet = ReturnType<typeof createRemoteJWKSet>;
type LocalJWKSet = ReturnType<typeof createLocalJWKSet>;

/** After a failed JWKS fetch, requests that would fetch again fail at once for this long. */
export const JWKS_FAILURE_BACKOFF_MS = 5_000;

/**
 * Whether an error from jose's remote set is its fetch failing (refused, a
 * non-200 answer, a time-out, a body that is no key set) rather than a verdict
 * on the token from keys it holds (no such `kid`, a key it cannot use).
 */
function isFetchFailure(error: unknown): boolean {
  if (!(error instanceof joseErrors.JOSEError)) return true; // fetch's own TypeError: the socket failed
  return error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || error.code === 'ERR_JOSE_GENERIC';
}

/** What a failed fetch of the key set was, in the contract's upstream codes, and its reason for the log. */
function fetchFailure(error: unknown): { code: CredentialCheckUnavailable['code']; reason: string } {
  if (error instanceof joseErrors.JWKSTimeout) return { code: 'UPSTREAM_TIMEOUT', reason: error.code };
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (error instanceof joseErrors.JWKSInvalid || cause instanceof SyntaxError) {
    return { code: 'UPSTREAM_BAD_RESPONSE', reason: 'the key set is not a JSON Web Key Set' };
  }
  // fetch's own failure is "fetch failed" with the socket's code as its cause (ECONNREFUSED, …); jose's messages are
  // its own fixed words. Any other message is never used: fetch quotes the whole URL, password and query included,
  // in some (a URL holding a user or password is refused with it), so only the error's name is kept.
  const detail =
    typeof cause?.code === 'string'
      ? cause.code
      : error instanceof joseErrors.JOSEError
        ? error.message
        : error instanceof Error
          ? error.name
          : 'fetch failed';
  return { code: 'UPSTREAM_UNAVAILABLE', reason: detail };
}

/** The key lookup jose's `jwtVerify` calls, and a fetch of the set ahead of any token. */
export type RemoteKeySet = JWTVerifyGetKey & { prefetch(): Promise<void> };

/** Told once per failed fetch of the key set: how it failed, and whether the keys fetched before are still used. */
export type KeySetFailureListener = (failure: { code: CredentialCheckUnavailable['code']; reason: string; lastKeysKept: boolean }) => void;

/**
 * Wraps jose's remote key set for an identity provider that can be slow or
 * down. jose is created with a set that never goes stale (`cacheMaxAge`
 * Infinity): it fetches on its own only for a `kid` (or `alg`) its keys do
 * not fit, at most once per cooldown. Here:
 *
 * - **The set is fetched again in the background** once it is `maxAgeMs`
 *   old, while requests go on verifying with the keys in hand
 *   (stale-while-revalidate): jose's own refetch of an aged set made every
 *   request that needed a key wait for it, up to the fetch deadline while
 *   the provider hung.
 * - **The provider is not asked by every request.** For `backoffMs` after a
 *   failed fetch no token makes the gateway ask again: jose is called only
 *   while its cooldown keeps it from fetching, and otherwise the set the
 *   provider answered last verifies (an empty one too: a key it has removed
 *   never verifies again).
 * - **A token that needs keys it cannot get** (an unknown `kid`, or no set
 *   fetched yet) is CredentialCheckUnavailable, answered 503 with
 *   `Retry-After`, never 401: the token may be valid, and a 401 signs users
 *   out. A `kid` the provider's set is known not to hold (fetched, still
 *   cooling down) stays a credential error.
 */
export function withJwksFailureBackoff(
  remote: RemoteJWKSet,
  options: { maxAgeMs: number; backoffMs?: number; onFailure?: KeySetFailureListener },
): RemoteKeySet {
  const { maxAgeMs, backoffMs = JWKS_FAILURE_BACKOFF_MS, onFailure } = options;
  // Times on the monotonic clock: a wall clock stepped back would stretch the backoff and put off the refresh.
  let failedAt = -Infinity;
  let failure = { code: 'UPSTREAM_UNAVAILABLE' as CredentialCheckUnavailable['code'], reason: '' };
  /** The set the provider answered last, as of the latest failure: what verifies during the backoff. */
  let lastKeys: { verify: LocalJWKSet; kids: ReadonlySet<string | undefined> } | undefined;
  /** When the set in hand was fetched (as far as this wrapper saw: jose's own refetches make it younger). */
  let fetchedAt = -Infinity;
  let refreshing = false;

  const unavailable = () =>
    new CredentialCheckUnavailable(failure.reason, failure.code, Math.max(1, Math.ceil((failedAt + backoffMs - performance.now()) / 1000)));
  const lastKeyFor = (kid: string | undefined): LocalJWKSet | undefined =>
    lastKeys && (kid === undefined ? lastKeys.kids.size > 0 : lastKeys.kids.has(kid)) ? lastKeys.verify : undefined;

  /** A failed fetch, seen by the first of the requests (or the refresh) that waited on it. */
  const record = (error: unknown) => {
    if (performance.now() - failedAt < backoffMs) return;
    failedAt = performance.now();
    failure = fetchFailure(error);
    const held = remote.jwks();
    // The set the provider answered last, even an empty one: keys it has since removed (revoked) never verify again.
    lastKeys = held && held.keys.length > 0 ? { verify: createLocalJWKSet(held), kids: new Set(held.keys.map((key) => key.kid)) } : undefined;
    onFailure?.({ ...failure, lastKeysKept: lastKeys !== undefined });
  };
  /** Fetches the set (shared with any fetch jose has under way); a failure starts the backoff. */
  const refresh = () => {
    refreshing = true;
    return remote
      .reload()
      .then(() => {
        fetchedAt = performance.now();
      }, record)
      .finally(() => {
        refreshing = false;
      });
  };

  const getKey: JWTVerifyGetKey = async (header, token) => {
    const now = performance.now();
    if (now - failedAt < backoffMs) {
      // No fetch during the backoff, whatever the token says: jose also refetches for a kid it holds when the token's
      // alg or kty matches none of its keys (or for a token with no kid), so asking it whether it would is not enough.
      // Within its cooldown jose never fetches, and its answer (no such key) is the provider's.
      if (remote.coolingDown) return remote(header, token);
      const kept = lastKeyFor(header.kid);
      if (kept) return kept(header, token);
      throw unavailable();
    }
    // An aged set is fetched again behind this request, which goes on with the keys in hand.
    if (now - fetchedAt >= maxAgeMs && !refreshing) void refresh();
    try {
      return await remote(header, token);
    } catch (error) {
      if (!isFetchFailure(error)) throw error;
      // Requests that waited on the same fetch (jose shares it) each land here: the first one records the failure.
      record(error);
      const kept = lastKeyFor(header.kid);
      if (kept) return kept(header, token);
      throw unavailable();
    }
  };
  // Fetched at start-up: the first tokens need not wait for it, and a JWKS URL that does not answer is logged at once.
  return Object.assign(getKey, { prefetch: refresh });
}
