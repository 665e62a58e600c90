import type { Resolvers } from '../../src/generated/web.js';
import { viewerId } from '../../src/permissions/viewer.js';
import { selectedChildArgs } from '../shared/lookahead.js';
import { moneyResolvers } from '../shared/money.js';
import { orderFieldResolvers, orderLineResolvers, ordersConnection } from '../shared/order.js';
import { productById, productFieldResolvers, productsConnection } from '../shared/product.js';
import { reviewsConnection, type ConnectionArgs } from '../shared/review.js';
import { placeOrder } from './place-order.js';

const ignore = (): void => undefined;

/** The web shop's resolver map. */
export const webResolvers: Resolvers = {
  Query: {
    me: (_, __, ctx, info) => {
      const userId = viewerId(ctx);
      // The order history does not depend on the profile: ask both services at once.
      for (const args of selectedChildArgs<ConnectionArgs>(info, 'orders')) {
        ordersConnection(ctx, userId, args).catch(ignore);
      }
      return ctx.loaders.users.load(userId);
    },
    product: (_, { id }, ctx, info) => productById(ctx, id, info),
    products: (_, args, ctx) => productsConnection(ctx, args),
    // Ownership is a permission rule (src/permissions/web.ts), checked on the order the service returned.
    order: (_, { id }, ctx) => ctx.loaders.orders.load(id),
  },
  Mutation: {
    placeOrder: (_, { input }, ctx) => placeOrder(ctx, input),
  },
  Viewer: {
    orders: (user, args, ctx) => ordersConnection(ctx, user.id, args),
  },
  Product: {
    ...productFieldResolvers,
    reviews: (product, args, ctx) => reviewsConnection(ctx, product.id, args),
  },
  Review: {
    author: (review, _, ctx) => ctx.loaders.users.load(review.userId),
  },
  ReviewAuthor: {
    avatarUrl: (user) => user.avatarThumbUrl,
  },
  Order: orderFieldResolvers,
  OrderLine: orderLineResolvers,
  Money: moneyResolvers,
};
