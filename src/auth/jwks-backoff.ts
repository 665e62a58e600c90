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
  // fetch's own failure is "fetch failed" with the socket's code as its cause (ECONNREFUSED, …): no URL in either.
  const detail = typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.message : 'fetch failed';
  return { code: 'UPSTREAM_UNAVAILABLE', reason: detail };
}

/** The key lookup jose's `jwtVerify` calls, and a fetch of the set ahead of any token. */
export type RemoteKeySet = JWTVerifyGetKey & { prefetch(): Promise<void> };

/** Told once per failed fetch of the key set: how it failed, and whether the keys fetched before are still used. */
export type KeySetFailureListener = (failure: { code: CredentialCheckUnavailable['code']; reason: string; lastKeysKept: boolean }) => void;

/**
 * Wraps jose's remote key set for an identity provider that is down:
 *
 * - it is not asked again by every request: jose's cooldown only follows a
 *   *successful* fetch, so without this each request retries the hanging or
 *   refused fetch. For `backoffMs` after a failure, a request that would fetch
 *   fails at once;
 * - the keys it last served keep verifying (stale-if-error): jose refetches a
 *   set older than its 10 minutes of freshness before every verification, and
 *   a failed refetch would otherwise refuse every token, a known key's too;
 * - a token that needs keys it cannot get (an unknown `kid`, or no set
 *   fetched yet) is CredentialCheckUnavailable, answered 503 with
 *   `Retry-After`, never 401: the token may be valid, and a 401 signs users
 *   out. A `kid` the identity provider's set is known not to hold (fetched,
 *   still cooling down) stays a credential error.
 */
export function withJwksFailureBackoff(
  remote: RemoteJWKSet,
  backoffMs = JWKS_FAILURE_BACKOFF_MS,
  onFailure?: KeySetFailureListener,
): RemoteKeySet {
  let failedAt = -Infinity;
  let failure = { code: 'UPSTREAM_UNAVAILABLE' as CredentialCheckUnavailable['code'], reason: '' };
  /** The set fetched last, as of the latest failure: what verifies while the identity provider is out of reach. */
  let lastKeys: { verify: LocalJWKSet; kids: ReadonlySet<string | undefined> } | undefined;

  const unavailable = () =>
    new CredentialCheckUnavailable(failure.reason, failure.code, Math.max(1, Math.ceil((failedAt + backoffMs - Date.now()) / 1000)));
  const lastKeyFor = (kid: string | undefined): LocalJWKSet | undefined =>
    lastKeys && (kid === undefined ? lastKeys.kids.size > 0 : lastKeys.kids.has(kid)) ? lastKeys.verify : undefined;

  /** A failed fetch, seen by the first of the requests (or the prefetch) that waited on it. */
  const record = (error: unknown) => {
    if (Date.now() - failedAt < backoffMs) return;
    failedAt = Date.now();
    failure = fetchFailure(error);
    const held = remote.jwks();
    // The set the provider answered last, even an empty one: keys it has since removed (revoked) never verify again.
    lastKeys = held && held.keys.length > 0 ? { verify: createLocalJWKSet(held), kids: new Set(held.keys.map((key) => key.kid)) } : undefined;
    onFailure?.({ ...failure, lastKeysKept: lastKeys !== undefined });
  };

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (Date.now() - failedAt < backoffMs) {
      // No fetch during the backoff, whatever the token says: jose also refetches for a kid it holds when the token's
      // alg or kty matches none of its keys (or for a token with no kid), so asking it whether it would is not enough.
      // Within its cooldown jose never fetches, and its answer (no such key) is the provider's.
      if (remote.fresh && remote.coolingDown) return remote(header, token);
      const kept = lastKeyFor(header.kid);
      if (kept) return kept(header, token);
      throw unavailable();
    }
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
  return Object.assign(getKey, { prefetch: () => remote.reload().catch(record) });
}
