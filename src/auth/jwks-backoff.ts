import { errors as joseErrors, type createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';

type RemoteJWKSet = ReturnType<typeof createRemoteJWKSet>;

/** After a failed JWKS fetch, requests that would fetch again fail at once for this long. */
export const JWKS_FAILURE_BACKOFF_MS = 5_000;

/** Errors that mean "no such key", not "the key server is down". */
function isKeyMismatch(error: unknown): boolean {
  return error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys;
}

/**
 * Wraps jose's remote key set so an identity provider that is down is not
 * asked again by every request: jose's cooldown only follows a *successful*
 * fetch, so without this each request retries the hanging or refused fetch.
 * During the backoff a token whose key jose still holds (fresh cache, known
 * `kid`) verifies as usual; one that would need a fetch fails closed at once.
 */
export function withJwksFailureBackoff(remote: RemoteJWKSet, backoffMs = JWKS_FAILURE_BACKOFF_MS): JWTVerifyGetKey {
  let failedAt = -Infinity;
  let failure: unknown;
  const wouldFetch = (kid: string | undefined): boolean => {
    if (!remote.fresh) return true;
    const known = remote.jwks()?.keys.some((key) => kid === undefined || key.kid === kid) ?? false;
    return !known && !remote.coolingDown;
  };
  return async (header, token) => {
    if (Date.now() - failedAt < backoffMs && wouldFetch(header.kid)) throw failure;
    try {
      return await remote(header, token);
    } catch (error) {
      if (!isKeyMismatch(error)) {
        failedAt = Date.now();
        failure = error;
      }
      throw error;
    }
  };
}
