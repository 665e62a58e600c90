import type { Resolvers } from '../../src/generated/mobile.js';
import type { Order } from '../../clients/index.js';
import type { Context } from '../../src/context.js';
import { MAX_UPSTREAM_PAGES } from '../../src/pagination.js';
import { viewerId } from '../../src/permissions/viewer.js';
import { moneyResolvers } from '../shared/money.js';
import { orderFieldResolvers, orderLineResolvers } from '../shared/order.js';
import { productById, productFieldResolvers } from '../shared/product.js';
import { profileField } from '../shared/profile.js';
import { markNotificationRead, notificationsConnection } from './notifications.js';

/** The dashboard's "recent orders": a phone shows five. */
export const RECENT_ORDERS = 5;

/**
 * The viewer's newest orders: one call, or a few more when the service
 * answers short pages (`limit` is a bound, not a promise: CONTRACT.md), as a
 * connection fills its page; at most MAX_UPSTREAM_PAGES calls.
 */
async function recentOrders(ctx: Context, userId: string): Promise<Order[]> {
  const page = await ctx.clients.orders.listOrdersByUser(userId, { limit: RECENT_ORDERS });
  if (page.items.length >= RECENT_ORDERS || page.nextCursor === null) return page.items.slice(0, RECENT_ORDERS);
  const orders = [...page.items];
  let cursor: string | null = page.nextCursor;
  for (let call = 2; call <= MAX_UPSTREAM_PAGES && cursor !== null && orders.length < RECENT_ORDERS; call++) {
    const next = await ctx.clients.orders.listOrdersByUser(userId, { limit: RECENT_ORDERS - orders.length, cursor });
    orders.push(...next.items.slice(0, RECENT_ORDERS - orders.length));
    cursor = next.nextCursor;
  }
  return orders;
}

/** The mobile app's resolver map. */
export const mobileResolvers: Resolvers = {
  Query: {
    // Everything on the dashboard hangs off the viewer's id, known from the token:
    // its three services are asked in parallel.
    dashboard: (_, __, ctx) => ({ userId: viewerId(ctx) }),
    // Ownership is a permission rule (src/permissions/mobile.ts), checked on the order the service returned.
    order: (_, { id }, ctx) => ctx.loaders.orders.load(id),
    notifications: (_, args, ctx) => notificationsConnection(ctx, args),
    product: (_, { id }, ctx, info) => productById(ctx, id, info),
  },
  Mutation: {
    markNotificationRead: (_, { id }, ctx) => markNotificationRead(ctx, id),
  },
  Dashboard: {
    // From the token, like the rest of the dashboard: a users failure nulls only the profile fields.
    user: ({ userId }) => ({ id: userId }),
    recentOrders: ({ userId }, _, ctx) => recentOrders(ctx, userId),
    unreadCount: ({ userId }, _, ctx) => ctx.clients.notifications.getUnreadCount(userId),
  },
  User: {
    name: profileField('name'),
    // The thumbnail: sized for a phone.
    avatarUrl: profileField('avatarThumbUrl'),
  },
  Product: productFieldResolvers,
  Order: orderFieldResolvers,
  OrderLine: orderLineResolvers,
  Money: moneyResolvers,
};
