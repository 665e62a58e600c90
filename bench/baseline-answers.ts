/**
 * The baseline's four answers, each the JSON the gateway returns as `data`
 * for the matching contract operation: hand-written `Promise.all` fan-out,
 * one batch call per service per level, values computed as the schema
 * defines them (money as decimal strings, stock levels, `rating` null
 * without reviews, Relay cursors in the gateway's format).
 */
import { createHash } from 'node:crypto';
import type { StockRow } from '../clients/inventory/types.js';
import type { Order } from '../clients/orders/types.js';
import type { PriceRow } from '../clients/pricing/types.js';
import type { Product } from '../clients/products/types.js';
import type { Review, ReviewSummary } from '../clients/reviews/types.js';
import type { Money, Page } from '../clients/types.js';
import type { User } from '../clients/users/types.js';
import { UpstreamFailure, type GetJson } from './baseline-upstream.js';

const MAX_BATCH_IDS = 100;

function money(value: Money): { amount: string; currency: string } {
  const sign = value.amountMinor < 0 ? '-' : '';
  const digits = String(Math.abs(Math.trunc(value.amountMinor))).padStart(3, '0');
  return { amount: `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`, currency: value.currency };
}

function stockLevel(quantity: number): 'HIGH' | 'LOW' | 'OUT_OF_STOCK' {
  if (quantity > 10) return 'HIGH';
  return quantity >= 1 ? 'LOW' : 'OUT_OF_STOCK';
}

/** A page must be there: 404 on a list is a broken upstream, not "nothing". */
function required<T>(value: T | null, what: string): T {
  if (value === null) throw new UpstreamFailure(`${what} answered 404`);
  return value;
}

/**
 * The first page of a connection, cursors as src/pagination.ts writes them
 * (`[1, list tag, upstream cursor, skip]`, base64url) so answers compare equal.
 */
function connection<T, N>(listKey: string, page: Page<T>, first: number, node: (item: T) => N) {
  const tag = createHash('sha256').update(listKey).digest('base64url').slice(0, 10);
  const cursor = (upstream: string | null, skip: number) => Buffer.from(JSON.stringify([1, tag, upstream, skip])).toString('base64url');
  const items = page.items.slice(0, first);
  const edges = items.map((item, i) => ({ cursor: cursor(null, i + 1), node: node(item) }));
  const endOfPage = items.length >= page.items.length;
  const last = edges.at(-1);
  if (endOfPage && page.nextCursor !== null && last !== undefined) last.cursor = cursor(page.nextCursor, 0);
  return { edges, pageInfo: { hasNextPage: !endOfPage || page.nextCursor !== null, endCursor: last?.cursor ?? null } };
}

/** One batch read per 100 ids, in parallel, items keyed by `idOf`. */
async function batch<T>(get: GetJson, service: 'products' | 'inventory' | 'pricing' | 'reviews' | 'users', path: (ids: string) => string, ids: readonly string[], idOf: (item: T) => string): Promise<Map<string, T>> {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += MAX_BATCH_IDS) chunks.push(ids.slice(i, i + MAX_BATCH_IDS).map(encodeURIComponent));
  const pages = await Promise.all(chunks.map((chunk) => get<{ items: T[] }>(service, path(chunk.join(',')))));
  const byId = new Map<string, T>();
  for (const page of pages) for (const item of required(page, service).items) byId.set(idOf(item), item);
  return byId;
}

/** `ProductPage(id)`: five calls at once, then one for the review authors. */
export async function productPage(get: GetJson, id: string, tier: string) {
  const e = encodeURIComponent(id);
  const [product, stock, summaries, prices, reviews] = await Promise.all([
    get<Product>('products', `/products/${e}`),
    get<{ items: StockRow[] }>('inventory', `/inventory?productIds=${e}`),
    get<{ items: ReviewSummary[] }>('reviews', `/reviews/summary?productIds=${e}`),
    get<{ items: PriceRow[] }>('pricing', `/prices?productIds=${e}&tier=${tier}`),
    get<Page<Review>>('reviews', `/reviews?productId=${e}&limit=3`),
  ]);
  if (product === null) return { product: null };
  const page = required(reviews, 'reviews');
  const authorIds = [...new Set(page.items.map((review) => review.userId))];
  const authors = authorIds.length === 0 ? new Map<string, User>() : await batch<User>(get, 'users', (ids) => `/users?ids=${ids}`, authorIds, (u) => u.id);
  const quantity = required(stock, 'inventory').items[0]?.quantity ?? 0;
  const summary = required(summaries, 'reviews').items[0];
  const price = required(prices, 'pricing').items[0];
  return {
    product: {
      id: product.id,
      name: product.name,
      description: product.description,
      imageUrl: product.imageUrl,
      inStock: quantity > 0,
      stockLevel: stockLevel(quantity),
      rating: summary !== undefined && summary.count > 0 ? summary.averageRating : null,
      reviewCount: summary?.count ?? 0,
      price: price ? money(price.currentPrice) : null,
      originalPrice: price ? money(price.listPrice) : null,
      reviews: connection(`reviews:${product.id}`, page, 3, (review) => {
        const author = authors.get(review.userId);
        return { id: review.id, rating: review.rating, title: review.title, author: author ? { id: author.id, name: author.name } : null };
      }),
    },
  };
}

function orderSummary(order: Order) {
  return { id: order.id, status: order.status.toUpperCase(), createdAt: order.createdAt, total: money(order.total) };
}

/** `MobileDashboard`: profile, five newest orders and unread count, one level. */
export async function dashboard(get: GetJson, userId: string) {
  const e = encodeURIComponent(userId);
  const [user, orders, unread] = await Promise.all([
    get<User>('users', `/users/${e}`),
    get<Page<Order>>('orders', `/orders?userId=${e}&limit=5`),
    get<{ count: number }>('notifications', `/notifications/unread-count?userId=${e}`),
  ]);
  return {
    dashboard: {
      user: user ? { id: user.id, name: user.name, avatarUrl: user.avatarThumbUrl } : null,
      recentOrders: required(orders, 'orders')
        .items.slice(0, 5)
        .map((order) => ({ ...orderSummary(order), itemCount: order.lines.reduce((sum, line) => sum + line.quantity, 0) })),
      unreadCount: required(unread, 'notifications').count,
    },
  };
}

/** `OrderHistory(first)`: profile and orders page at once, then one products and one inventory batch for all lines. */
export async function orderHistory(get: GetJson, userId: string, first: number) {
  const e = encodeURIComponent(userId);
  const [user, orders] = await Promise.all([get<User>('users', `/users/${e}`), get<Page<Order>>('orders', `/orders?userId=${e}&limit=${first}`)]);
  if (user === null) return { me: null };
  const page = required(orders, 'orders');
  const productIds = [...new Set(page.items.flatMap((order) => order.lines.map((line) => line.productId)))];
  const [products, stock] =
    productIds.length === 0
      ? [new Map<string, Product>(), new Map<string, StockRow>()]
      : await Promise.all([
          batch<Product>(get, 'products', (ids) => `/products?ids=${ids}`, productIds, (p) => p.id),
          batch<StockRow>(get, 'inventory', (ids) => `/inventory?productIds=${ids}`, productIds, (s) => s.productId),
        ]);
  const lineProduct = (id: string) => {
    const product = products.get(id);
    if (product === undefined) return null;
    return { id: product.id, name: product.name, thumbnailUrl: product.thumbnailUrl, inStock: (stock.get(id)?.quantity ?? 0) > 0 };
  };
  return {
    me: {
      id: user.id,
      name: user.name,
      orders: connection(`orders:${user.id}`, page, first, (order) => ({
        ...orderSummary(order),
        lines: order.lines.map((line) => ({ quantity: line.quantity, unitPrice: money(line.unitPrice), product: lineProduct(line.productId) })),
      })),
    },
  };
}

/** `Catalog(first)`: a products page, then prices, inventory and review summaries batches at once. */
export async function catalog(get: GetJson, tier: string, first: number) {
  const page = required(await get<Page<Product>>('products', `/products?limit=${first}`), 'products');
  const ids = page.items.slice(0, first).map((product) => product.id);
  const [prices, stock, summaries] =
    ids.length === 0
      ? [new Map<string, PriceRow>(), new Map<string, StockRow>(), new Map<string, ReviewSummary>()]
      : await Promise.all([
          batch<PriceRow>(get, 'pricing', (list) => `/prices?productIds=${list}&tier=${tier}`, ids, (p) => p.productId),
          batch<StockRow>(get, 'inventory', (list) => `/inventory?productIds=${list}`, ids, (s) => s.productId),
          batch<ReviewSummary>(get, 'reviews', (list) => `/reviews/summary?productIds=${list}`, ids, (s) => s.productId),
        ]);
  return {
    products: connection('products::', page, first, (product) => {
      const price = prices.get(product.id);
      const summary = summaries.get(product.id);
      return {
        id: product.id,
        name: product.name,
        description: product.description,
        price: price ? money(price.currentPrice) : null,
        inStock: (stock.get(product.id)?.quantity ?? 0) > 0,
        rating: summary !== undefined && summary.count > 0 ? summary.averageRating : null,
      };
    }),
  };
}
