import type { Resolvers } from '../../src/generated/web.js';
import { viewerId } from '../../src/permissions/viewer.js';
import { moneyResolvers } from '../shared/money.js';
import { orderFieldResolvers, orderLineResolvers, ordersConnection } from '../shared/order.js';
import { productById, productFieldResolvers, productsConnection } from '../shared/product.js';
import { profileField } from '../shared/profile.js';
import { reviewsConnection } from '../shared/review.js';
import { placeOrder } from './place-order.js';

/** The web shop's resolver map. */
export const webResolvers: Resolvers = {
  Query: {
    // Built from the token: the profile fields and the orders load side by side, and one failing leaves the other.
    me: (_, __, ctx) => ({ id: viewerId(ctx) }),
    product: (_, { id }, ctx, info) => productById(ctx, id, info),
    products: (_, args, ctx, info) => productsConnection(ctx, args, info),
    // Ownership is a permission rule (src/permissions/web.ts), checked on the order the service returned.
    order: (_, { id }, ctx) => ctx.loaders.orders.load(id),
  },
  Mutation: {
    placeOrder: (_, { input }, ctx) => placeOrder(ctx, input),
  },
  Viewer: {
    name: profileField('name'),
    email: profileField('email'),
    avatarUrl: profileField('avatarUrl'),
    tier: profileField('tier'),
    createdAt: profileField('createdAt'),
    orders: (viewer, args, ctx, info) => ordersConnection(ctx, viewer.id, args, info),
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
