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
  return wellFormed(headers['x-correlation-id']) ?? wellFormed(headers['x-request-id']) ?? randomUUID();
}

function wellFormed(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && VALID_CORRELATION_ID.test(value) ? value : undefined;
}
