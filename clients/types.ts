/** Shapes shared by every backing service of the upstream contract (CONTRACT.md §1). */

/** Integer minor units; every currency in the contract has two decimals. */
export interface Money {
  amountMinor: number;
  currency: string;
}

/** `?limit=&cursor=` pages: `limit` 1–100, cursors opaque and list-bound. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageArgs {
  limit?: number;
  cursor?: string | null;
}

/** Batch reads take at most this many ids per call; more is a 400. */
export const MAX_BATCH_IDS = 100;

export type Tier = 'free' | 'pro' | 'enterprise';
export const TIERS: readonly Tier[] = ['free', 'pro', 'enterprise'];
