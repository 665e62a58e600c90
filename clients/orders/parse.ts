import { MAX_COUNT, readArray, readCount, readEnum, readId, readMoney, readRecord, readString, ShapeError } from '../validate.js';
import { ORDER_STATUSES, type Order, type OrderLine } from './types.js';

function parseLine(value: unknown): OrderLine {
  const o = readRecord(value, 'order line');
  return { productId: readId(o, 'productId'), quantity: readCount(o, 'quantity'), unitPrice: readMoney(o, 'unitPrice') };
}

/** Checks and copies one `Order` with its lines (CONTRACT.md §1 orders); throws a `ShapeError` when wrong. */
export function parseOrder(value: unknown): Order {
  const o = readRecord(value, 'order');
  const lines = readArray(o, 'lines').map(parseLine);
  // The schemas' itemCount is the lines' quantities summed: it must fit their Int too.
  if (lines.reduce((sum, line) => sum + line.quantity, 0) > MAX_COUNT) throw new ShapeError('order lines hold more items than a count can carry');
  return {
    id: readId(o, 'id'),
    userId: readId(o, 'userId'),
    status: readEnum(o, 'status', ORDER_STATUSES),
    createdAt: readString(o, 'createdAt'),
    lines,
    total: readMoney(o, 'total'),
  };
}
