import { BlockList, isIP } from 'node:net';

/** An IP address, or a CIDR range when `prefix` is set (`10.0.0.0/8`, `fd00::/8`). */
export interface AddressOrRange {
  address: string;
  prefix: number | undefined;
  family: 'ipv4' | 'ipv6';
}

/** `entry` as an address or a CIDR range, or null when it is neither (a host name, a prefix out of range). */
export function parseAddressOrRange(entry: string): AddressOrRange | null {
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return null;
  const family = version === 6 ? 'ipv6' : 'ipv4';
  if (prefix === undefined) return { address, prefix: undefined, family };
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > (version === 4 ? 32 : 128)) return null;
  return { address, prefix: Number(prefix), family };
}

/**
 * A host and the port written after it: `[2001:db8::7]:443` → `2001:db8::7`, 443; `203.0.113.7:51234` and
 * `pricing:8443` → host and port; `2001:db8::7` (no brackets, so no port) or a bare host → itself, port 0.
 */
export function splitHostPort(text: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 0) };
  const withPort = /^([^:]+):(\d{1,5})$/.exec(text);
  return withPort ? { host: withPort[1]!, port: Number(withPort[2]) } : { host: text, port: 0 };
}

/**
 * A set of addresses and ranges to test peers against. Node's BlockList
 * compares addresses, not their spelling: `FD00::1` matches `fd00::1`, and an
 * IPv4 entry matches its IPv4-mapped IPv6 form (`::ffff:192.0.2.1`).
 */
export function addressMatcher(entries: readonly AddressOrRange[]): (address: string) => boolean {
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const { address, prefix, family } of entries) {
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, prefix, family);
  }
  return (address) => {
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * The /64 an IPv6 address belongs to (`2001:db8:1:2::/64`), or null for
 * anything else (IPv4 and IPv4-mapped addresses included). One subscriber
 * line or one cloud host is usually given a whole /64: keyed by its full
 * address, a single client could mint a fresh rate-limit bucket per request.
 */
export function ipv6Prefix64(address: string): string | null {
  // Most callers are IPv4: one character test, no regular expression.
  if (!address.includes(':') || isIP(address) !== 6 || address.toLowerCase().startsWith('::ffff:')) return null;
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // A trailing dotted IPv4 part stands for two groups.
  const groupsIn = (parts: string[]) => parts.length + (parts.at(-1)?.includes('.') ? 1 : 0);
  const missing = Math.max(0, 8 - groupsIn(left) - groupsIn(right));
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
