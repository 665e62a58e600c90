import type { GraphQLResolveInfo } from 'graphql';
import type { Order, OrderLine, Product } from '../../clients/index.js';
import type { Context } from '../../src/context.js';
import { paginate, type Connection } from '../../src/pagination.js';
import { fromLoader } from './loaded.js';
import { fieldsSelectedAt } from './lookahead.js';
import { CONNECTION_ITEMS, loadProductFields } from './product.js';
import type { ConnectionArgs } from './review.js';

const asIs = (product: Product | null): Product | null => product;
/** From an orders connection to its lines, and to their products. */
const LINES = [...CONNECTION_ITEMS, 'lines'];
const LINE_PRODUCTS = [...LINES, 'product'];

export type OrderStatusEnum = 'PENDING' | 'PAID' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED';

/** Order fields shared by mobile and web. */
export const orderFieldResolvers = {
  status: (order: Order): OrderStatusEnum => order.status.toUpperCase() as OrderStatusEnum,
  itemCount: (order: Order): number => order.lines.reduce((sum, line) => sum + line.quantity, 0),
};

/** An order line's product, batched with every other line's (one products call per level). */
export const orderLineResolvers = {
  product: (line: OrderLine, _: unknown, ctx: Context) => fromLoader(ctx, 'products', line.productId, asIs),
};

/**
 * When the orders' lines' products are selected, loads them and what their
 * selected fields need from other services, all in parallel, before the
 * orders are returned: the product ids are on the lines, so the inventory
 * need not wait for the products. Never rejects; failed reads are the
 * fields' errors.
 */
async function loadLineProducts(ctx: Context, orders: readonly Order[], info: GraphQLResolveInfo): Promise<void> {
  if (!fieldsSelectedAt(info, LINES).has('product')) return;
  const ids = [...new Set(orders.flatMap((order) => order.lines.map((line) => line.productId)))];
  await Promise.all([ctx.loaders.settle('products', ids), loadProductFields(ctx, ids, info, LINE_PRODUCTS)]);
}

/**
 * A user's orders, newest first; memoised per request so a prefetch and the
 * field share one call. With `info`, the lines' products are loaded before
 * the page is returned (`loadLineProducts`).
 */
export function ordersConnection(ctx: Context, userId: string, args: ConnectionArgs, info?: GraphQLResolveInfo): Promise<Connection<Order>> {
  return ctx.once(`orders:${userId}:${args.first}:${args.after ?? ''}`, async () => {
    const connection = await paginate({
      listKey: `orders:${userId}`,
      first: args.first,
      after: args.after,
      fetch: (page) => ctx.clients.orders.listOrdersByUser(userId, page),
    });
    for (const { node } of connection.edges) ctx.loaders.orders.prime(node.id, node);
    if (info) await loadLineProducts(ctx, connection.edges.map((edge) => edge.node), info);
    return connection;
  });
}
