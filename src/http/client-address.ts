import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Whether an address is one of the trusted proxies. */
export interface TrustedProxies {
  has(address: string): boolean;
}

/** The trusted proxies from `TRUSTED_PROXIES`: addresses (a set lookup) and CIDR ranges (`10.0.0.0/8`). */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const addresses = new Set<string>();
  const ranges = new BlockList();
  let anyRange = false;
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) {
      addresses.add(normalise(address));
    } else {
      ranges.addSubnet(address, Number(prefix), family);
      anyRange = true;
    }
  }
  return {
    has(address) {
      if (addresses.has(address)) return true;
      if (!anyRange) return false;
      const family = isIP(address);
      return family !== 0 && ranges.check(address, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
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
