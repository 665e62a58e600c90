import type { OrdersClient } from '../index.js';
import { batchRead, pageQuery, type Upstream } from '../upstream.js';
import { parseItems, parsePage } from '../validate.js';
import { parseOrder } from './parse.js';

/** The orders service's verbs (CONTRACT.md §1 orders) over one bound upstream. */
export function createOrdersClient(up: Upstream): OrdersClient {
  return {
    listOrdersByUser: (userId, page) =>
      up.get('/orders?userId', ['orders'], { userId, ...pageQuery(page) }, (body) => parsePage(body, parseOrder)),
    getOrder: (id) => up.getOrNull('/orders/{id}', ['orders', id], parseOrder),
    getOrdersByIds: (ids) =>
      batchRead(ids, (chunk) => up.get('/orders?ids', ['orders'], { ids: chunk }, (body) => parseItems(body, parseOrder))),
    // The caller's key makes a resent order the same order (CONTRACT.md §1): sent again once if the connection
    // failed, never after an answer (clients/http.ts).
    placeOrder: (order, idempotencyKey) =>
      up.post('/orders', ['orders'], { userId: order.userId, lines: order.lines }, idempotencyKey, parseOrder),
  };
}
