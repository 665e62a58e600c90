import type { IncomingMessage } from 'node:http';
import { addressMatcher, parseAddressOrRange, type AddressOrRange } from '../net-address.js';

/** Whether an address is one of the trusted proxies. */
export interface TrustedProxies {
  has(address: string): boolean;
}

/** The trusted proxies from `TRUSTED_PROXIES` (checked at start-up): addresses and CIDR ranges (`10.0.0.0/8`). */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const parsed = entries.map(parseAddressOrRange).filter((entry): entry is AddressOrRange => entry !== null);
  return { has: addressMatcher(parsed) };
}

/**
 * The address that anonymous limits are keyed by: the socket's peer, unless
 * that peer is a configured trusted proxy, in which case the right-most
 * `X-Forwarded-For` entry that is not itself a trusted proxy. A spoofed
 * header from anyone else is ignored.
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  const peer = normalise(req.socket.remoteAddress ?? 'unknown');
  if (!trusted.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => normalise(hop.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (hop !== undefined && !trusted.has(hop)) return hop;
  }
  return peer;
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same client. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
