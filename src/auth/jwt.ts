import { webcrypto } from 'node:crypto';
import {
  createRemoteJWKSet,
  customFetch,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { TIERS, type EgressFetch, type Tier } from '../../clients/index.js';
import type { JwtConfig } from '../config.js';
import { BoundedMap } from '../../clients/bounded-map.js';
import type { Consumer } from './consumer.js';
import { CredentialCheckUnavailable, CredentialError } from './credential-error.js';
import { withJwksFailureBackoff, type KeySetFailureListener, type RemoteKeySet } from './jwks-backoff.js';

/** Tokens longer than this are refused before any parsing or crypto. */
export const MAX_TOKEN_BYTES = 8192;
/** Clock skew tolerated on `exp` / `nbf`, in seconds. */
const CLOCK_TOLERANCE_S = 30;
/** Header parameters that would make us fetch or trust key material named by the token itself. */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;
const KID = /^[A-Za-z0-9._-]{1,128}$/;
const SUB = /^[^\s]{1,128}$/;

/**
 * Verified tokens are remembered briefly, so an app sending the same token on
 * every request pays for the signature check once a minute, not every time.
 * Bounded in count and token size (10,000 × 1 KB at most).
 */
const VERIFIED_CACHE_ENTRIES = 10_000;
const VERIFIED_CACHE_MS = 60_000;
const MAX_CACHED_TOKEN_LENGTH = 1024;

export type JwtVerifier = (token: string) => Promise<Consumer>;

function consumerFromClaims(payload: JWTPayload): Consumer {
  const { sub } = payload;
  if (typeof sub !== 'string' || !SUB.test(sub)) throw new CredentialError('sub missing or malformed');
  const scope = payload['scope'];
  if (scope !== undefined && typeof scope !== 'string') throw new CredentialError('scope is not a string');
  const tier = payload['tier'] ?? 'free';
  if (typeof tier !== 'string' || !(TIERS as readonly string[]).includes(tier)) {
    throw new CredentialError('unknown tier');
  }
  return {
    kind: 'user',
    id: sub,
    tier: tier as Tier,
    scopes: new Set((scope ?? '').split(' ').filter(Boolean)),
  };
}

/**
 * A verifier for bearer tokens (RFC 7519) with algorithms pinned to the key
 * kind: HS256 for a shared secret, RS256/ES256 for a JWKS (so an HS256 token
 * "signed" with a public key, or `alg: none`, never verifies). `exp` is
 * required; `iss` / `aud` are enforced when configured. A JWKS is refetched on
 * an unknown `kid` at most once per cooldown; while it is unreachable the keys
 * it served last keep verifying, and a token needing others is refused as not
 * checkable (503), never let through. `onKeySetFailure` hears of each failed fetch;
 * `egressFetch`, when given, fetches the key set (through the egress proxy).
 */
export function createJwtVerifier(config: JwtConfig, onKeySetFailure?: KeySetFailureListener, egressFetch?: EgressFetch): JwtVerifier {
  const algorithms = config.kind === 'secret' ? ['HS256'] : ['RS256', 'ES256'];
  // The HMAC key is imported once: handing jose the raw bytes would import it again on every request.
  const key: Promise<webcrypto.CryptoKey> | RemoteKeySet =
    config.kind === 'secret'
      ? webcrypto.subtle.importKey('raw', new TextEncoder().encode(config.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
      : withJwksFailureBackoff(
          // Never stale to jose: the wrapper fetches an aged set again in the background (stale-while-revalidate).
          createRemoteJWKSet(new URL(config.url), {
            cooldownDuration: config.cooldownMs,
            timeoutDuration: config.timeoutMs,
            cacheMaxAge: Infinity,
            // Through the egress proxy when one is configured, as upstream calls go (NODE_USE_ENV_PROXY=1).
            ...(egressFetch ? { [customFetch]: egressFetch } : {}),
          }),
          { maxAgeMs: config.maxAgeMs, ...(onKeySetFailure ? { onFailure: onKeySetFailure } : {}) },
        );
  // The key set is fetched now, at start-up: the first tokens need not wait for it, and a JWKS that does not answer
  // is logged before any user meets it (its failure starts the backoff as a request's would).
  if (typeof key === 'function') void key.prefetch();
  const verified = new BoundedMap<string, { consumer: Consumer; until: number }>(VERIFIED_CACHE_ENTRIES);
  const options = {
    algorithms,
    clockTolerance: CLOCK_TOLERANCE_S,
    requiredClaims: ['exp'],
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  };

  return async (token) => {
    if (token.length > MAX_TOKEN_BYTES) throw new CredentialError('token too large');
    const hit = verified.get(token);
    if (hit) {
      if (Date.now() < hit.until) return hit.consumer;
      verified.delete(token);
    }
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new CredentialError('malformed token');
    }
    if (FORBIDDEN_HEADERS.some((name) => name in header)) throw new CredentialError('forbidden header parameter');
    // A kid is only ever a lookup key in our own JWKS: never a path, a query or a non-string.
    if (header.kid !== undefined && (typeof header.kid !== 'string' || !KID.test(header.kid))) {
      throw new CredentialError('malformed kid');
    }
    try {
      const { payload } = await (typeof key === 'function' ? jwtVerify(token, key, options) : jwtVerify(token, await key, options));
      const consumer = consumerFromClaims(payload);
      if (token.length <= MAX_CACHED_TOKEN_LENGTH && typeof payload.exp === 'number') {
        // Same bytes, same verdict: only the clock can change it, so the entry ends at `exp` (or sooner).
        verified.set(token, { consumer, until: Math.min(payload.exp * 1000, Date.now() + VERIFIED_CACHE_MS) });
      }
      return consumer;
    } catch (error) {
      if (error instanceof CredentialError || error instanceof CredentialCheckUnavailable) throw error;
      const code = error instanceof joseErrors.JOSEError ? error.code : 'verification failed';
      throw new CredentialError(code);
    }
  };
}
