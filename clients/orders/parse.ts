import { readArray, readEnum, readId, readInteger, readMoney, readRecord, readString } from '../validate.js';
import { ORDER_STATUSES, type Order, type OrderLine } from './types.js';

function parseLine(value: unknown): OrderLine {
  const o = readRecord(value, 'order line');
  return { productId: readId(o, 'productId'), quantity: readInteger(o, 'quantity'), unitPrice: readMoney(o, 'unitPrice') };
}

/** Checks and copies one `Order` with its lines (CONTRACT.md §1 orders); throws a `ShapeError` when wrong. */
export function parseOrder(value: unknown): Order {
  const o = readRecord(value, 'order');
  return {
    id: readId(o, 'id'),
    userId: readId(o, 'userId'),
    status: readEnum(o, 'status', ORDER_STATUSES),
    createdAt: readString(o, 'createdAt'),
    lines: readArray(o, 'lines').map(parseLine),
    total: readMoney(o, 'total'),
  };
}
