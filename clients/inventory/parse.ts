import { readId, readInteger, readRecord, readString } from '../validate.js';
import type { StockRow } from './types.js';

/** Checks and copies one `StockRow` (CONTRACT.md §1 inventory); throws a `ShapeError` when wrong. */
export function parseStockRow(value: unknown): StockRow {
  const o = readRecord(value, 'stock row');
  return { productId: readId(o, 'productId'), quantity: readInteger(o, 'quantity'), warehouse: readString(o, 'warehouse') };
}
