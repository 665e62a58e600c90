import type { Order, OrderLine } from '../../clients/index.js';
import type { Context } from '../../src/context.js';
import { paginate, type Connection } from '../../src/pagination.js';
import type { ConnectionArgs } from './review.js';

export type OrderStatusEnum = 'PENDING' | 'PAID' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';

/** Order fields shared by mobile and web. */
export const orderFieldResolvers = {
  status: (order: Order): OrderStatusEnum => order.status.toUpperCase() as OrderStatusEnum,
  itemCount: (order: Order): number => order.lines.reduce((sum, line) => sum + line.quantity, 0),
};

/** An order line's product, batched with every other line's (one products call per level). */
export const orderLineResolvers = {
  product: (line: OrderLine, _: unknown, ctx: Context) => ctx.loaders.products.load(line.productId),
};

/** A user's orders, newest first; memoised per request so a prefetch and the field share one call. */
export function ordersConnection(ctx: Context, userId: string, args: ConnectionArgs): Promise<Connection<Order>> {
  return ctx.once(`orders:${userId}:${args.first}:${args.after ?? ''}`, async () => {
    const connection = await paginate({
      listKey: `orders:${userId}`,
      first: args.first,
      after: args.after,
      fetch: (page) => ctx.clients.orders.listOrdersByUser(userId, page),
    });
    for (const { node } of connection.edges) ctx.loaders.orders.prime(node.id, node);
    return connection;
  });
}
