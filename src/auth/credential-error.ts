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
    super('Invalid credentials.');
  }
}
