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
