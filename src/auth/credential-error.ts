/** What the client is told, per scheme: which credential failed and what to do, never why (that is for the log). */
const CREDENTIAL_MESSAGES = {
  Bearer: 'Invalid or expired bearer token: sign in again for a new one.',
  ApiKey: 'Unknown API key: check the X-API-Key header, or ask your API contact for a key.',
} as const;

/**
 * Credentials that were presented but are not acceptable. The edge answers
 * 401 with `WWW-Authenticate` and UNAUTHENTICATED; `reason` is for logs only
 * (it never holds the token).
 */
export class CredentialError extends Error {
  override readonly name = 'CredentialError';
  constructor(
    readonly reason: string,
    /** The `WWW-Authenticate` challenge scheme for the 401. */
    readonly scheme: 'Bearer' | 'ApiKey' = 'Bearer',
  ) {
    super(CREDENTIAL_MESSAGES[scheme]);
  }
}

/**
 * Credentials that could not be checked because the identity provider's key
 * set is out of reach (refused, failing, hanging or answering garbage). The
 * edge answers 503 with `Retry-After` and the upstream code, not 401: a 401
 * tells an app to sign its user out, and every user would be signed out by one
 * outage of the identity provider. Nothing is let through either way.
 */
export class CredentialCheckUnavailable extends Error {
  override readonly name = 'CredentialCheckUnavailable';
  constructor(
    /** For logs only: jose's error code or message, never a URL or the token. */
    readonly reason: string,
    readonly code: 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_TIMEOUT' | 'UPSTREAM_BAD_RESPONSE',
    /** When a request that needs the key set is worth sending again. */
    readonly retryAfterSeconds: number,
  ) {
    super('The sign-in service cannot be reached to check this token: retry after Retry-After seconds, and keep the user signed in.');
  }
}
