import type { Tier } from '../../clients/index.js';
import { ipv6Prefix64 } from '../../clients/net-address.js';

/**
 * Who is calling. Built once per request from the credentials at the edge;
 * everything downstream (prices, budgets, rules, `X-Consumer-ID`) reads it.
 */
export interface Consumer {
  /** `user` for mobile/web tokens, `apiKey` for public keys, `anonymous` without credentials. */
  kind: 'user' | 'apiKey' | 'anonymous';
  /** The user id (`sub`), the key's consumer name, or `anon:<client address>` (`anon:<prefix>::/64` for IPv6). */
  id: string;
  tier: Tier;
  scopes: ReadonlySet<string>;
}

/** An anonymous caller: priced and budgeted as `free`, keyed by client address (an IPv6 one by its /64). */
export function anonymousConsumer(clientAddress: string): Consumer {
  return { kind: 'anonymous', id: `anon:${ipv6Prefix64(clientAddress) ?? clientAddress}`, tier: 'free', scopes: new Set() };
}

/** The id sent upstream as `X-Consumer-ID`; anonymous callers send none. */
export function upstreamConsumerId(consumer: Consumer): string | undefined {
  return consumer.kind === 'anonymous' ? undefined : consumer.id;
}
