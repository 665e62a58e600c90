import type { Money } from '../types.js';

export interface PriceRow {
  productId: string;
  /** Depends on the tier asked for. */
  currentPrice: Money;
  listPrice: Money;
}
