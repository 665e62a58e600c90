import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What an incoming `X-Correlation-ID` must look like to be kept (no CR/LF, bounded length). */
export const VALID_CORRELATION_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The id a request brought, by the one rule of both edges: its `X-Correlation-ID` when `valid`, else an
 * `X-Request-ID` that is (what nginx, Envoy and most load balancers add), so the gateway's log lines carry the
 * id the proxy logged; else undefined. Self-contained: the edge thread's worker runs its source.
 */
export function broughtCorrelationId(headers: IncomingHttpHeaders, valid: RegExp): string | undefined {
  const own = headers['x-correlation-id'];
  if (typeof own === 'string' && valid.test(own)) return own;
  const proxy = headers['x-request-id'];
  return typeof proxy === 'string' && valid.test(proxy) ? proxy : undefined;
}

/** The request's correlation id: the one it brought (above), else a fresh UUID. */
export function correlationIdFrom(headers: IncomingHttpHeaders): string {
  return broughtCorrelationId(headers, VALID_CORRELATION_ID) ?? randomUUID();
}
