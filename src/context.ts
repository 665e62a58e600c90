import type { Logger } from 'pino';
import type { ServiceClients } from '../clients/index.js';
import type { Consumer } from './auth/consumer.js';
import type { Loaders } from './loaders.js';

export type Audience = 'mobile' | 'web' | 'public';
export const AUDIENCES: readonly Audience[] = ['mobile', 'web', 'public'];

/** Everything a resolver may use, built fresh for every request (never shared: loaders cache per viewer). */
export interface Context {
  audience: Audience;
  consumer: Consumer;
  correlationId: string;
  clients: ServiceClients;
  loaders: Loaders;
  logger: Logger;
  /**
   * Runs `fn` once per request for `key` and returns the same promise to every
   * caller: lets a parent start a child's fetch early (lookahead) without the
   * child fetching again.
   */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** What the cost plugin priced: `requested` before execution, `actual` after. */
  cost?: CostRecord;
}

export interface CostRecord {
  requested: number;
  actual?: number;
  /** Over budget in measure mode: reported, not enforced. */
  wouldThrottle?: boolean;
}

/** A per-request memo for `Context.once`. */
export function createOnce(): Context['once'] {
  const memo = new Map<string, Promise<unknown>>();
  return <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    let hit = memo.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = fn();
      memo.set(key, hit);
    }
    return hit;
  };
}
