import type { IncomingHttpHeaders } from 'node:http';
import type { Audience } from '../context.js';
import type { ApiKeyStore } from './api-keys.js';
import { anonymousConsumer, type Consumer } from './consumer.js';
import { CredentialError } from './credential-error.js';
import { MAX_TOKEN_BYTES, type JwtVerifier } from './jwt.js';

/** API keys longer than this are refused unhashed. */
const MAX_API_KEY_LENGTH = 256;

export interface Authenticator {
  /**
   * The consumer behind a request's credentials: mobile and web read
   * `Authorization: Bearer`, public reads `X-API-Key`; no credentials (an
   * empty `Authorization` included) is anonymous. Presented-but-bad
   * credentials throw CredentialError.
   */
  authenticate(audience: Audience, headers: IncomingHttpHeaders, clientAddress: string): Promise<Consumer>;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Credentials → consumer, with cheap checks before any crypto. */
export function createAuthenticator(verifyJwt: JwtVerifier, apiKeys: ApiKeyStore): Authenticator {
  return {
    async authenticate(audience, headers, clientAddress) {
      if (audience === 'public') {
        const key = single(headers['x-api-key']);
        if (key === undefined) return anonymousConsumer(clientAddress);
        if (key.length === 0 || key.length > MAX_API_KEY_LENGTH) throw new CredentialError('malformed API key', 'ApiKey');
        const consumer = apiKeys.lookup(key);
        if (!consumer) throw new CredentialError('unknown API key', 'ApiKey');
        return consumer;
      }
      const authorization = single(headers.authorization)?.trim();
      // An empty header carries no credential: Apollo Client's documented auth link sends `authorization: ""` for a
      // visitor who is not signed in, and so does a server-side renderer built on it; refused, every page such a
      // visitor opened was a 401.
      if (authorization === undefined || authorization === '') return anonymousConsumer(clientAddress);
      if (authorization.length > MAX_TOKEN_BYTES + 16) throw new CredentialError('authorization header too large');
      const match = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization);
      if (!match?.[1]) throw new CredentialError('not a bearer token');
      return verifyJwt(match[1]);
    },
  };
}
