/**
 * The allowlist of headers sent upstream (CONTRACT.md §1 "Headers the gateway
 * sends"). Built only from `RequestMeta`: the clients never see the incoming
 * request's headers, so its Authorization, X-API-Key, cookies and hop-by-hop
 * headers cannot leak (HOSTILE-INPUTS row 29).
 */
import { randomUUID } from 'node:crypto';
import type { RequestMeta } from './index.js';

/** Visible ASCII only: anything else (CR/LF, non-Latin-1) would make Node throw or a proxy misparse. */
const SAFE_VALUE = /^[\x21-\x7e]{1,256}$/;

/** True for a header value we send as is: 1–256 visible ASCII characters. */
export function isSafeHeaderValue(value: string): boolean {
  return SAFE_VALUE.test(value);
}

/**
 * Per-call headers: `X-Correlation-ID` always (a fresh UUID if the given one is
 * unsafe), `X-Consumer-ID` when known (percent-encoded if unsafe or holding a `%`),
 * `Idempotency-Key` on every POST (generated when not given) and
 * `Content-Type` when there is a body. Accept, Accept-Encoding and User-Agent are instance defaults.
 */
export function upstreamHeaders(
  meta: RequestMeta,
  method: 'GET' | 'POST',
  idempotencyKey: string | undefined,
  hasBody: boolean,
): Record<string, string> {
  // The edge validates X-Correlation-ID (HOSTILE-INPUTS row 31); this is the last line of defence.
  const headers: Record<string, string> = {
    'x-correlation-id': SAFE_VALUE.test(meta.correlationId) ? meta.correlationId : randomUUID(),
  };
  const consumer = meta.consumerId;
  if (consumer !== undefined && consumer !== '') {
    // Percent-encoded when unsafe, and whenever it holds a '%': so a service can always decode it, and an id that
    // looks encoded ('%C3%BC') never reaches it as the same header as the id it spells ('ü').
    headers['x-consumer-id'] = SAFE_VALUE.test(consumer) && !consumer.includes('%') ? consumer : encodeURIComponent(consumer);
  }
  if (method === 'POST') headers['idempotency-key'] = idempotencyKey ?? randomUUID();
  if (hasBody) headers['content-type'] = 'application/json';
  return headers;
}

/**
 * Names a call tracer may not set: ours (the allowlist above and the
 * transport defaults), framing and hop-by-hop headers, and credentials.
 */
const RESERVED_NAMES = new Set([
  'x-correlation-id', 'x-consumer-id', 'idempotency-key', 'content-type', 'accept', 'accept-encoding', 'user-agent',
  'host', 'connection', 'content-length', 'transfer-encoding', 'te', 'upgrade', 'keep-alive', 'expect',
  'authorization', 'proxy-authorization', 'cookie', 'x-api-key',
]);
const TRACE_NAME = /^[a-z][a-z0-9-]{0,63}$/;
/** Visible ASCII and spaces (W3C `tracestate` has optional spaces), at most 512 characters. */
const TRACE_VALUE = /^[\x20-\x7e]{1,512}$/;

/**
 * The headers a call tracer asked to add (W3C `traceparent`, `tracestate`…),
 * as flat name/value pairs, keeping only lower-case names that are not
 * reserved and values that cannot split a header.
 */
export function traceHeaders(requested: Readonly<Record<string, string>>): string[] {
  const pairs: string[] = [];
  for (const name of Object.keys(requested)) {
    const value = requested[name];
    if (typeof value === 'string' && TRACE_NAME.test(name) && !RESERVED_NAMES.has(name) && TRACE_VALUE.test(value)) {
      pairs.push(name, value);
    }
  }
  return pairs;
}
