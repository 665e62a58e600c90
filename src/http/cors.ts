import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What a browser on an allowed origin may read of an answer: the contract's rate-limit signals (the IETF draft's
 * and the `X-RateLimit-*` trio), `Retry-After` and the correlation id to quote.
 */
export const EXPOSED_HEADERS =
  'x-correlation-id, ratelimit, ratelimit-policy, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset';

/**
 * What a browser on an allowed origin may send: credentials, the CSRF-preflight headers, the app's name and
 * version (Apollo Client sends them when given `name` / `version`), a cost dry run and W3C trace context. A
 * preflight asking for any other header is answered without it, and the browser then refuses the whole request.
 */
const ALLOWED_HEADERS =
  'content-type, authorization, x-api-key, x-correlation-id, apollo-require-preflight, x-apollo-operation-name, ' +
  'apollographql-client-name, apollographql-client-version, x-cost-dry-run, traceparent, tracestate';

/**
 * CORS from an allowlist of origins (Apollo's standalone server allows any
 * origin; a gateway must not). Returns true when the request was a preflight
 * and has been answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: ReadonlySet<string>): boolean {
  const origin = req.headers.origin;
  const permitted = origin !== undefined && allowed.has(origin);
  if (permitted) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
  }
  res.setHeader('vary', 'Origin');
  if (req.method !== 'OPTIONS') return false;
  if (permitted) {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
    res.setHeader('access-control-max-age', '600');
  }
  res.writeHead(204).end();
  return true;
}
