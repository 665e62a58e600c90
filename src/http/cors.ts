import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a browser on an allowed origin may read of an answer. */
export const EXPOSED_HEADERS = 'x-correlation-id, ratelimit, ratelimit-policy, retry-after';

const ALLOWED_HEADERS =
  'content-type, authorization, x-api-key, x-correlation-id, apollo-require-preflight, x-apollo-operation-name';

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
