import type { Resolvers } from '../../src/generated/public.js';
import { moneyResolvers } from '../shared/money.js';
import { productById, productFieldResolvers, productsConnection } from '../shared/product.js';

/** The partner catalog's resolver map (the `catalog:read` rule is in src/permissions/public.ts). */
export const publicResolvers: Resolvers = {
  Query: {
    products: (_, args, ctx, info) => productsConnection(ctx, args, info),
    product: (_, { id }, ctx, info) => productById(ctx, id, info),
  },
  Product: productFieldResolvers,
  Money: moneyResolvers,
};
