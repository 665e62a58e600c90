import DataLoader from 'dataloader';
import {
  MAX_BATCH_IDS,
  type Order,
  type PriceRow,
  type Product,
  type ReviewSummary,
  type ServiceClients,
  type StockRow,
  type Tier,
  type User,
} from '../clients/index.js';

/**
 * Per-request batch loaders over the REST batch endpoints. One set per request:
 * a shared cache would leak one viewer's data to another.
 * Each resolves `null` for an id the upstream omitted (unknown ids are not errors).
 */
export interface Loaders {
  users: DataLoader<string, User | null>;
  orders: DataLoader<string, Order | null>;
  products: DataLoader<string, Product | null>;
  /** `null` when the product has no inventory row (quantity 0). */
  stock: DataLoader<string, StockRow | null>;
  reviewSummaries: DataLoader<string, ReviewSummary | null>;
  /** Prices for the consumer's tier. */
  prices: DataLoader<string, PriceRow | null>;
}

/**
 * Matches batch items to the keys that asked for them: one entry per key in
 * key order, whatever order the upstream used, `null` for omitted ids, and the
 * call's error in every slot when the call failed (DataLoader's contract).
 */
export function batchById<T>(
  fetch: (ids: readonly string[]) => Promise<T[]>,
  idOf: (item: T) => string,
): DataLoader.BatchLoadFn<string, T | null> {
  return async (ids) => {
    let items: T[];
    try {
      items = await fetch(ids);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return ids.map(() => failure);
    }
    const byId = new Map<string, T>();
    for (const item of items) byId.set(idOf(item), item);
    return ids.map((id) => byId.get(id) ?? null);
  };
}

function loader<T>(fetch: (ids: readonly string[]) => Promise<T[]>, idOf: (item: T) => string) {
  return new DataLoader<string, T | null>(batchById(fetch, idOf), { maxBatchSize: MAX_BATCH_IDS });
}

/** Builds the loaders for one request; `tier` picks which prices are loaded. */
export function createLoaders(clients: ServiceClients, tier: Tier): Loaders {
  return {
    users: loader((ids) => clients.users.getUsersByIds(ids), (u) => u.id),
    orders: loader((ids) => clients.orders.getOrdersByIds(ids), (o) => o.id),
    products: loader((ids) => clients.products.getProductsByIds(ids), (p) => p.id),
    stock: loader((ids) => clients.inventory.getStockByProductIds(ids), (s) => s.productId),
    reviewSummaries: loader((ids) => clients.reviews.getSummariesByProductIds(ids), (s) => s.productId),
    prices: loader((ids) => clients.pricing.getPricesByProductIds(ids, tier), (p) => p.productId),
  };
}
