import type { Resolvers } from '../../src/generated/public.js';
import { requireScope } from '../../src/permissions/guards.js';
import { moneyResolvers } from '../shared/money.js';
import { productById, productFieldResolvers, productsConnection } from '../shared/product.js';

const CATALOG_READ = 'catalog:read';

/** The partner catalog's resolver map: catalog reads need an API key with `catalog:read`. */
export const publicResolvers: Resolvers = {
  Query: {
    products: (_, args, ctx) => {
      requireScope(ctx, CATALOG_READ);
      return productsConnection(ctx, args);
    },
    product: (_, { id }, ctx, info) => {
      requireScope(ctx, CATALOG_READ);
      return productById(ctx, id, info);
    },
  },
  Product: productFieldResolvers,
  Money: moneyResolvers,
};
