import type { Resolvers } from '../../src/generated/mobile.js';
import { firstItems } from '../../src/pagination.js';
import { viewerId } from '../../src/permissions/viewer.js';
import { moneyResolvers } from '../shared/money.js';
import { orderFieldResolvers, orderLineResolvers } from '../shared/order.js';
import { productById, productFieldResolvers } from '../shared/product.js';
import { profileField } from '../shared/profile.js';
import { markNotificationRead, notificationsConnection } from './notifications.js';

/** The dashboard's "recent orders": a phone shows five. */
export const RECENT_ORDERS = 5;

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
    // Filled from several pages when the service answers short ones.
    recentOrders: ({ userId }, _, ctx) => firstItems(RECENT_ORDERS, (page) => ctx.clients.orders.listOrdersByUser(userId, page)),
    // A free scalar (IBM cost spec: scalars weigh 0), so one call per request however many aliases ask for it:
    // each alias calling the service again was upstream work nobody was charged for.
    unreadCount: ({ userId }, _, ctx) => ctx.once(`unread-count:${userId}`, () => ctx.clients.notifications.getUnreadCount(userId)),
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
