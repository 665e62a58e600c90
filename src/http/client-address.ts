import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { addressMatcher, parseAddressOrRange, splitHostPort, type AddressOrRange } from '../../clients/net-address.js';

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
 * `X-Forwarded-For` entry that is not itself a trusted proxy (an entry
 * written with a port is read as its address). A spoofed header from anyone
 * else is ignored.
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  const peer = normalise(req.socket.remoteAddress ?? 'unknown');
  if (!trusted.has(peer)) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((hop) => hopAddress(hop.trim()))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (hop !== undefined && !trusted.has(hop)) return hop;
  }
  return peer;
}

/**
 * An `X-Forwarded-For` entry's address. Some proxies write the client's port too (`203.0.113.7:51234`, and IPv6 in
 * brackets, `[2001:db8::7]:443`: Azure Application Gateway, IIS's ARR): kept whole, each connection of one client was
 * a new address, so a fresh anonymous budget, and an IPv6 client escaped its /64. Anything else is kept as written.
 */
function hopAddress(hop: string): string {
  const { host } = splitHostPort(hop);
  return normalise(isIP(host) === 0 ? hop : host);
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same client. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
