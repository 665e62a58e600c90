import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What an incoming `X-Correlation-ID` must look like to be kept (no CR/LF, bounded length). */
export const VALID_CORRELATION_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The request's correlation id: the client's `X-Correlation-ID` when
 * well-formed, else an `X-Request-ID` that is (what nginx, Envoy and most load
 * balancers add), so the gateway's log lines carry the id the proxy logged;
 * else a fresh UUID. (The edge thread's worker keeps the same rule.)
 */
export function correlationIdFrom(headers: IncomingHttpHeaders): string {
  for (const header of [headers['x-correlation-id'], headers['x-request-id']]) {
    const value = Array.isArray(header) ? header[0] : header;
    if (value !== undefined && VALID_CORRELATION_ID.test(value)) return value;
  }
  return randomUUID();
}
