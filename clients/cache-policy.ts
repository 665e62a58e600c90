/**
 * Which upstream responses the gateway may keep, and for how long, as a
 * shared cache under RFC 9111: only what the service marks fresh for
 * everyone (`max-age` / `s-maxage`), never `private`, `no-store` or
 * `no-cache` (we do not revalidate), never a response that varies on a
 * request header we do not hold constant.
 */
import type { ServiceName } from './errors.js';
import type { UpstreamResponse } from './http-types.js';

/**
 * The services whose resources are the same for every consumer (CONTRACT.md
 * §1: catalog, stock, reviews, prices by tier). users, orders and
 * notifications are always consumer-specific: never cached, never coalesced.
 */
export const SHARED_SERVICES: ReadonlySet<ServiceName> = new Set<ServiceName>(['products', 'inventory', 'reviews', 'pricing']);

/** The longest we keep anything, whatever the service says: a bound on staleness after a bad deploy. */
export const MAX_CACHE_TTL_MS = 5 * 60 * 1000;

/** Request headers that are the same on every call we make (instance defaults), so varying on them is harmless. */
const CONSTANT_REQUEST_HEADERS = new Set(['accept', 'accept-encoding', 'user-agent']);

function header(headers: UpstreamResponse['headers'], name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(',') : value) ?? '';
}

/** Parses `Cache-Control` into lower-case directive names and their (unquoted) values. */
export function parseCacheControl(value: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of value.split(',')) {
    const [rawName = '', ...rest] = part.split('=');
    const name = rawName.trim().toLowerCase();
    if (name !== '') directives.set(name, rest.join('=').trim().replace(/^"(.*)"$/, '$1'));
  }
  return directives;
}

function seconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * Milliseconds a shared cache may serve this response without asking again,
 * or 0 to not store it (RFC 9111 §3, §4.2.1, §5.2.2): `s-maxage` over
 * `max-age`, minus `Age`, capped at `MAX_CACHE_TTL_MS`.
 */
export function sharedCacheTtlMs(headers: UpstreamResponse['headers']): number {
  const directives = parseCacheControl(header(headers, 'cache-control'));
  for (const refusal of ['no-store', 'private', 'no-cache']) if (directives.has(refusal)) return 0;
  const vary = header(headers, 'vary')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
  if (vary.some((name) => !CONSTANT_REQUEST_HEADERS.has(name))) return 0;
  const lifetime = seconds(directives.get('s-maxage')) ?? seconds(directives.get('max-age'));
  if (lifetime === undefined) return 0;
  const age = seconds(header(headers, 'age').trim()) ?? 0;
  return Math.min(MAX_CACHE_TTL_MS, Math.max(0, (lifetime - age) * 1000));
}
