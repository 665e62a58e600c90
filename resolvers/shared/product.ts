import type { GraphQLResolveInfo } from 'graphql';
import type { PriceRow, Product, ProductQuery, ReviewSummary, StockRow } from '../../clients/index.js';
import type { Context } from '../../src/context.js';
import { paginate, type Connection } from '../../src/pagination.js';
import { fromLoader } from './loaded.js';
import { fieldsSelectedAt, selectedChildArgs, selectsAnyChild } from './lookahead.js';
import { reviewsConnection, type ConnectionArgs } from './review.js';

export type StockLevel = 'HIGH' | 'LOW' | 'OUT_OF_STOCK';

/** Contract: more than 10 HIGH, 1–10 LOW, else OUT_OF_STOCK. */
export function stockLevelOf(quantity: number): StockLevel {
  if (quantity > 10) return 'HIGH';
  if (quantity >= 1) return 'LOW';
  return 'OUT_OF_STOCK';
}

// Module-level mappers: a Catalog page resolves six of these fields on each of 50 products.
const quantityOf = (row: StockRow | null): number => row?.quantity ?? 0;
const inStockOf = (row: StockRow | null): boolean => quantityOf(row) > 0;
const stockLevelOfRow = (row: StockRow | null): StockLevel => stockLevelOf(quantityOf(row));
const ratingOf = (summary: ReviewSummary | null): number | null => (summary && summary.count > 0 ? summary.averageRating : null);
const reviewCountOf = (summary: ReviewSummary | null): number => summary?.count ?? 0;
const currentPriceOf = (row: PriceRow | null) => row?.currentPrice ?? null;
const listPriceOf = (row: PriceRow | null) => row?.listPrice ?? null;

type ProductLoader = 'stock' | 'reviewSummaries' | 'prices';

/**
 * Product fields backed by other services (inventory, reviews, pricing), the
 * same on every audience. Each goes through a per-request loader, so a list of
 * products costs one batch call per service.
 */
export const productFieldResolvers = {
  inStock: (p: Product, _: unknown, ctx: Context) => fromLoader(ctx, 'stock', p.id, inStockOf),
  stockLevel: (p: Product, _: unknown, ctx: Context) => fromLoader(ctx, 'stock', p.id, stockLevelOfRow),
  rating: (p: Product, _: unknown, ctx: Context) => fromLoader(ctx, 'reviewSummaries', p.id, ratingOf),
  reviewCount: (p: Product, _: unknown, ctx: Context) => fromLoader(ctx, 'reviewSummaries', p.id, reviewCountOf),
  price: (p: Product, _: unknown, ctx: Context) => fromLoader(ctx, 'prices', p.id, currentPriceOf),
  originalPrice: (p: Product, _: unknown, ctx: Context) => fromLoader(ctx, 'prices', p.id, listPriceOf),
};

/** Which loader each product field reads, for a list to fetch what its items' fields will need. */
const FIELDS_BY_LOADER: Record<ProductLoader, readonly string[]> = {
  stock: ['inStock', 'stockLevel'],
  reviewSummaries: ['rating', 'reviewCount'],
  prices: ['price', 'originalPrice'],
};
const PRODUCT_LOADERS = Object.keys(FIELDS_BY_LOADER) as ProductLoader[];

/**
 * Loads, in parallel, what the selected fields of a list's products need
 * (`path` leads from the current field to the products), and resolves once
 * every batch has answered, failed batches included: the fields then read
 * their values at once (`fromLoader`) instead of each waiting on a promise.
 * The same calls the fields would have made one tick later, and no more.
 */
export async function loadProductFields(ctx: Context, ids: readonly string[], info: GraphQLResolveInfo, path: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const selected = fieldsSelectedAt(info, path);
  const loads: Promise<void>[] = [];
  for (const name of PRODUCT_LOADERS) {
    if (FIELDS_BY_LOADER[name].some((field) => selected.has(field))) loads.push(ctx.loaders.settle(name, ids));
  }
  await Promise.all(loads);
}

/** From a connection field to its items. */
export const CONNECTION_ITEMS: readonly string[] = ['edges', 'node'];

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
  // The first page asked for only. Until the product is known to exist these reads are a guess, and a null product
  // costs only its own weight: a read for every aliased page (each with its own `first`/`after`) made one point
  // pay for as many review calls as the document had aliases. The other pages are read once the product is there.
  const [reviews] = selectedChildArgs<ConnectionArgs>(info, 'reviews');
  if (reviews) reviewsConnection(ctx, id, reviews).catch(ignore);
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

/**
 * A page of the catalog, ordered by id; the products are primed into the
 * loader for their field lookups, and what their selected fields need from
 * other services is loaded before the page is returned.
 */
export async function productsConnection(ctx: Context, args: ProductListArgs, info: GraphQLResolveInfo): Promise<Connection<Product>> {
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
  await loadProductFields(ctx, connection.edges.map((edge) => edge.node.id), info, CONNECTION_ITEMS);
  return connection;
}
