import type { NewOrder } from '../../clients/orders/types.js';
import { unprocessable } from './errors.js';

const MAX_LINES = 100;

/**
 * Checks the shape of a `POST /orders` body and returns just the contract's
 * fields (so extra fields do not change the idempotency fingerprint). Any
 * shape error, empty `lines`, or a `quantity` that is not an integer ≥ 1 is a
 * 422; whether the user and products exist is the caller's check.
 */
export function parseNewOrder(body: unknown): NewOrder {
  const record = asRecord(body, 'the body must be a JSON object');
  const userId = record['userId'];
  if (typeof userId !== 'string' || userId === '') throw unprocessable('userId must be a non-empty string');
  const lines = record['lines'];
  if (!Array.isArray(lines) || lines.length === 0) throw unprocessable('lines must be a non-empty array');
  if (lines.length > MAX_LINES) throw unprocessable(`an order has at most ${MAX_LINES} lines`);
  return {
    userId,
    lines: lines.map((value: unknown, i) => {
      const line = asRecord(value, `lines[${i}] must be an object`);
      const productId = line['productId'];
      const quantity = line['quantity'];
      if (typeof productId !== 'string' || productId === '') throw unprocessable(`lines[${i}].productId must be a non-empty string`);
      if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 1) {
        throw unprocessable(`lines[${i}].quantity must be an integer of at least 1`);
      }
      return { productId, quantity };
    }),
  };
}

function asRecord(value: unknown, message: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw unprocessable(message);
  return value as Record<string, unknown>;
}
