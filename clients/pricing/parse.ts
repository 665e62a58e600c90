import { readId, readMoney, readRecord } from '../validate.js';
import type { PriceRow } from './types.js';

/** Checks and copies one `PriceRow` (CONTRACT.md §1 pricing); throws a `ShapeError` when wrong. */
export function parsePriceRow(value: unknown): PriceRow {
  const o = readRecord(value, 'price row');
  return { productId: readId(o, 'productId'), currentPrice: readMoney(o, 'currentPrice'), listPrice: readMoney(o, 'listPrice') };
}
