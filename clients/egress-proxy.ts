/**
 * Which upstream origins go through an egress proxy: the `HTTP_PROXY` /
 * `HTTPS_PROXY` / `NO_PROXY` convention (curl, Go's net/http, Node 24's
 * `NODE_USE_ENV_PROXY`), decided once per origin. The transport
 * (`clients/transport.ts`) sends through the proxy this module names.
 */
import { addressMatcher, parseAddressOrRange, splitHostPort, type AddressOrRange } from './net-address.js';

/** The proxy settings, as `src/config.ts` read them (it is the only reader of the environment). */
export interface EgressProxy {
  /** Proxy for `http://` upstreams (absolute-form requests), or null: direct. */
  httpProxy: string | null;
  /** Proxy for `https://` upstreams (a CONNECT tunnel), or null: direct. Never falls back to `httpProxy`. */
  httpsProxy: string | null;
  /** `NO_PROXY` entries: `*`, host names (their subdomains too), `.suffix`, `host:port`, IP addresses and CIDR ranges. */
  noProxy: readonly string[];
}

/** The `fetch` the gateway's other outbound calls use (the JWKS), routed as upstream calls are (`clients/transport.ts`). */
export type EgressFetch = (url: string, init: { method?: string; headers?: Headers; redirect?: 'manual'; signal?: AbortSignal }) => Promise<Response>;

interface NameEntry {
  /** Lower case, without a leading `.` or `*.`. */
  name: string;
  /** 0: any port. */
  port: number;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * `users.svc.cluster.local.` → `users.svc.cluster.local`: a fully qualified name (written with its root's dot so the
 * resolver skips the search list, as cluster manifests often do) is the same host.
 */
function withoutRootDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * A predicate telling whether a host (as a URL spells it: IPv6 in brackets)
 * and port must bypass the proxy. Names match themselves and their
 * subdomains; addresses and ranges match IP-literal hosts only (a name is
 * not resolved to decide).
 */
export function noProxyMatcher(entries: readonly string[]): (host: string, port: number) => boolean {
  if (entries.includes('*')) return () => true;
  const names: NameEntry[] = [];
  const ranges: AddressOrRange[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const { host, port } = splitHostPort(entry);
    // The parser that checks TRUSTED_PROXIES (and, at start-up, these ranges): an address written with a port is a name.
    const range = port === 0 ? parseAddressOrRange(host) : null;
    if (range) ranges.push(range);
    else names.push({ name: withoutRootDot(host.toLowerCase().replace(/^\*?\./, '')), port });
  }
  const inRanges = addressMatcher(ranges);
  return (urlHost, port) => {
    const host = withoutRootDot((urlHost.startsWith('[') ? urlHost.slice(1, -1) : urlHost).toLowerCase());
    return inRanges(host) || names.some((entry) => (entry.port === 0 || entry.port === port) && (host === entry.name || host.endsWith('.' + entry.name)));
  };
}

/**
 * The proxy URL an upstream origin (`https://pricing.internal:8443`) is
 * reached through, or null for a direct connection: `https:` origins use
 * `httpsProxy`, `http:` ones `httpProxy`, unless `NO_PROXY` names them.
 */
export function proxyChooser(proxy: EgressProxy): (origin: string) => string | null {
  const bypass = noProxyMatcher(proxy.noProxy);
  return (origin) => {
    const url = new URL(origin);
    const via = url.protocol === 'https:' ? proxy.httpsProxy : proxy.httpProxy;
    if (via === null) return null;
    return bypass(url.hostname, Number(url.port) || DEFAULT_PORTS[url.protocol] || 0) ? null : via;
  };
}
