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

/**
 * The loaders of one request, each made on first use: most operations touch
 * two or three services, so the rest are never built.
 */
class RequestLoaders implements Loaders {
  #users?: Loaders['users'];
  #orders?: Loaders['orders'];
  #products?: Loaders['products'];
  #stock?: Loaders['stock'];
  #reviewSummaries?: Loaders['reviewSummaries'];
  #prices?: Loaders['prices'];

  constructor(
    private readonly clients: ServiceClients,
    private readonly tier: Tier,
  ) {}

  get users() {
    return (this.#users ??= loader((ids) => this.clients.users.getUsersByIds(ids), (u) => u.id));
  }
  get orders() {
    return (this.#orders ??= loader((ids) => this.clients.orders.getOrdersByIds(ids), (o) => o.id));
  }
  get products() {
    return (this.#products ??= loader((ids) => this.clients.products.getProductsByIds(ids), (p) => p.id));
  }
  get stock() {
    return (this.#stock ??= loader((ids) => this.clients.inventory.getStockByProductIds(ids), (s) => s.productId));
  }
  get reviewSummaries() {
    return (this.#reviewSummaries ??= loader((ids) => this.clients.reviews.getSummariesByProductIds(ids), (s) => s.productId));
  }
  get prices() {
    return (this.#prices ??= loader((ids) => this.clients.pricing.getPricesByProductIds(ids, this.tier), (p) => p.productId));
  }
}

/** Builds the loaders for one request; `tier` picks which prices are loaded. */
export function createLoaders(clients: ServiceClients, tier: Tier): Loaders {
  return new RequestLoaders(clients, tier);
}
