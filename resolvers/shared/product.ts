import type { GraphQLResolveInfo } from 'graphql';
import type { Product, ProductQuery } from '../../clients/index.js';
import type { Context } from '../../src/context.js';
import { paginate, type Connection } from '../../src/pagination.js';
import { selectedChildArgs, selectsAnyChild } from './lookahead.js';
import { reviewsConnection, type ConnectionArgs } from './review.js';

export type StockLevel = 'HIGH' | 'LOW' | 'OUT_OF_STOCK';

/** Contract: more than 10 HIGH, 1–10 LOW, else OUT_OF_STOCK. */
export function stockLevelOf(quantity: number): StockLevel {
  if (quantity > 10) return 'HIGH';
  if (quantity >= 1) return 'LOW';
  return 'OUT_OF_STOCK';
}

async function quantityOf(ctx: Context, productId: string): Promise<number> {
  return (await ctx.loaders.stock.load(productId))?.quantity ?? 0;
}

/**
 * Product fields backed by other services (inventory, reviews, pricing), the
 * same on every audience. Each goes through a per-request loader, so a list of
 * products costs one batch call per service.
 */
export const productFieldResolvers = {
  inStock: async (p: Product, _: unknown, ctx: Context) => (await quantityOf(ctx, p.id)) > 0,
  stockLevel: async (p: Product, _: unknown, ctx: Context) => stockLevelOf(await quantityOf(ctx, p.id)),
  rating: async (p: Product, _: unknown, ctx: Context) => {
    const summary = await ctx.loaders.reviewSummaries.load(p.id);
    return summary && summary.count > 0 ? summary.averageRating : null;
  },
  reviewCount: async (p: Product, _: unknown, ctx: Context) =>
    (await ctx.loaders.reviewSummaries.load(p.id))?.count ?? 0,
  price: async (p: Product, _: unknown, ctx: Context) => (await ctx.loaders.prices.load(p.id))?.currentPrice ?? null,
  originalPrice: async (p: Product, _: unknown, ctx: Context) =>
    (await ctx.loaders.prices.load(p.id))?.listPrice ?? null,
};

const ignore = (): void => undefined;

/**
 * Starts, in this tick, the loads the selected product fields will need, so a
 * product page asks products, inventory, reviews and pricing in parallel
 * rather than waiting for the product first. The field resolvers then find the
 * same promises in the loaders' caches.
 */
function prefetchProductFields(ctx: Context, id: string, info: GraphQLResolveInfo): void {
  if (selectsAnyChild(info, ['inStock', 'stockLevel'])) ctx.loaders.stock.load(id).catch(ignore);
  if (selectsAnyChild(info, ['rating', 'reviewCount'])) ctx.loaders.reviewSummaries.load(id).catch(ignore);
  if (selectsAnyChild(info, ['price', 'originalPrice'])) ctx.loaders.prices.load(id).catch(ignore);
  for (const args of selectedChildArgs<ConnectionArgs>(info, 'reviews')) {
    reviewsConnection(ctx, id, args).catch(ignore);
  }
}

/** `product(id:)`: null for an unknown id, with the fields' fetches already under way. */
export function productById(ctx: Context, id: string, info: GraphQLResolveInfo): Promise<Product | null> {
  prefetchProductFields(ctx, id, info);
  return ctx.loaders.products.load(id);
}

export interface ProductListArgs extends ConnectionArgs {
  query?: string | null | undefined;
  categoryId?: string | null | undefined;
}

/** A page of the catalog, ordered by id; the products are primed into the loader for their field lookups. */
export async function productsConnection(ctx: Context, args: ProductListArgs): Promise<Connection<Product>> {
  const query: ProductQuery = {};
  if (args.query) query.q = args.query;
  if (args.categoryId) query.categoryId = args.categoryId;
  const connection = await paginate({
    listKey: `products:${query.categoryId ?? ''}:${query.q ?? ''}`,
    first: args.first,
    after: args.after,
    fetch: (page) => ctx.clients.products.listProducts(query, page),
  });
  for (const { node } of connection.edges) ctx.loaders.products.prime(node.id, node);
  return connection;
}
