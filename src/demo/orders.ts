import type { NewOrder, Order } from '../../clients/orders/types.js';
import type { DemoData } from './data.js';
import { createHandler, created, PRIVATE_NO_STORE, type DemoHandler, type DemoRequest, type HandlerOptions, type Reply } from './http.js';
import { badRequest, conflict, unprocessable } from './errors.js';
import { parseNewOrder } from './order-input.js';
import { pageReply } from './paging.js';
import { requiredParam } from './params.js';
import { batchRead, singleRead } from './reads.js';
import { groupBy, newestFirst, Table } from './table.js';

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * The orders service (CONTRACT.md §1 "orders"): `GET /orders?userId=` pages
 * newest first, `GET /orders?ids=`, `GET /orders/{id}`, and `POST /orders`,
 * which needs an `Idempotency-Key`, prices the lines itself at the user's
 * tier today, and answers 201 (a replay with the same key and body: 200 and
 * the same order; another body: 409).
 */
export function createOrdersHandler(data: DemoData, options: HandlerOptions = {}): DemoHandler {
  const orders = new Table(data.orders, (order) => order.id);
  const users = new Table(data.users, (user) => user.id);
  const prices = new Table(data.prices, (point) => point.productId);
  const byUser = groupBy(data.orders, (order) => order.userId);
  for (const list of byUser.values()) list.sort(newestFirst);
  const idempotency = new Map<string, { fingerprint: string; orderId: string }>();
  let lastNumber = data.orders.reduce((max, order) => Math.max(max, Number(/\d+$/.exec(order.id)?.[0] ?? 0)), 0);

  const price = (input: NewOrder): Pick<Order, 'lines' | 'total'> => {
    const user = users.get(input.userId);
    if (user === undefined) throw unprocessable(`unknown user ${input.userId}`);
    const lines = input.lines.map(({ productId, quantity }) => {
      const point = prices.get(productId);
      if (point === undefined) throw unprocessable(`unknown product ${productId}`);
      // A copy: the order keeps this price even if today's price changes later.
      return { productId, quantity, unitPrice: { ...point.currentPrice[user.tier] } };
    });
    const amountMinor = lines.reduce((sum, line) => sum + line.quantity * line.unitPrice.amountMinor, 0);
    if (!Number.isSafeInteger(amountMinor)) throw unprocessable('order total is too large');
    return { lines, total: { amountMinor, currency: lines[0]?.unitPrice.currency ?? 'USD' } };
  };

  const place = async (request: DemoRequest): Promise<Reply> => {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '' || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw badRequest(`an Idempotency-Key header of 1–${MAX_IDEMPOTENCY_KEY_LENGTH} characters is required`);
    }
    const input = parseNewOrder(await request.json());
    const fingerprint = JSON.stringify(input);
    const previous = idempotency.get(key);
    if (previous !== undefined) {
      if (previous.fingerprint !== fingerprint) throw conflict('this Idempotency-Key was used with a different body');
      return singleRead(orders, previous.orderId, 'order');
    }
    const { lines, total } = price(input);
    lastNumber += 1;
    const createdAt = new Date().toISOString();
    const order: Order = { id: `o${lastNumber}`, userId: input.userId, status: 'pending', createdAt, lines, total };
    orders.add(order);
    insertSorted(byUser, order);
    idempotency.set(key, { fingerprint, orderId: order.id });
    return created(order);
  };

  return createHandler(
    {
      name: 'orders',
      cacheControl: PRIVATE_NO_STORE,
      routes: [
        { method: 'GET', path: '/orders/:id', handle: ({ params }) => singleRead(orders, params.id, 'order') },
        {
          method: 'GET',
          path: '/orders',
          handle: ({ query }) => {
            if (query.has('ids')) return batchRead(query, 'ids', orders);
            const userId = requiredParam(query, 'userId');
            return pageReply(query, {
              id: `orders?${new URLSearchParams({ userId })}`,
              items: byUser.get(userId) ?? [],
              compare: newestFirst,
              find: (id) => {
                const order = orders.get(id);
                return order?.userId === userId ? order : undefined;
              },
            });
          },
        },
        { method: 'POST', path: '/orders', handle: place },
      ],
    },
    options,
  );
}

/** Keeps a user's list newest first even if the clock is behind the seeded dates. */
function insertSorted(byUser: Map<string, Order[]>, order: Order): void {
  const list = byUser.get(order.userId) ?? [];
  const at = list.findIndex((other) => newestFirst(order, other) < 0);
  list.splice(at === -1 ? list.length : at, 0, order);
  byUser.set(order.userId, list);
}
