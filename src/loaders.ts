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
  /**
   * What loader `name` already holds for `id` once its batch has answered:
   * the item, `null` for an id the upstream omitted, or the batch's error
   * (returned, not thrown); `undefined` while `id` has not been loaded. A
   * field resolver that finds its value here returns it at once instead of a
   * promise, which the executor handles at a fraction of the cost.
   */
  settled<N extends LoaderName>(name: N, id: string): LoadedValue<N> | Error | undefined;
  /**
   * Loads what loader `name` does not hold yet for `ids` in one batch read,
   * without DataLoader's promise per id, for a list whose items' fields then
   * read `settled`; resolves once the answers (or the call's error) are in,
   * never rejects.
   */
  settle(name: LoaderName, ids: readonly string[]): Promise<void>;
}

/** The loaders whose answers `Loaders.settled` can read. */
export type LoaderName = 'users' | 'orders' | 'products' | 'stock' | 'reviewSummaries' | 'prices';
/** What loader `N` resolves an id to. */
export type LoadedValue<N extends LoaderName> = Loaders[N] extends DataLoader<string, infer V> ? V : never;

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

/** Stands in a `Source`'s answers for an id whose read is under way. */
class Pending {
  constructor(readonly read: Promise<void>) {}
}

/**
 * One service's batch reads within one request: a DataLoader over them, and
 * every answer they gave. The DataLoader and `settle` share the answers and
 * the reads in flight, so an id is fetched once per request whichever way it
 * is asked for first.
 */
class Source<T> {
  /** Each id asked for: the read in flight, then what it loaded to (an item, `null` for an id the upstream omitted, or the failed call's error). */
  readonly #answers = new Map<string, T | null | Error | Pending>();
  readonly #batch: DataLoader.BatchLoadFn<string, T | null>;
  #loader?: DataLoader<string, T | null>;

  constructor(fetch: (ids: readonly string[]) => Promise<T[]>, idOf: (item: T) => string) {
    this.#batch = batchById(fetch, idOf);
  }

  /** What `id` loaded to, or `undefined` while it has not been read. */
  answer(id: string): T | null | Error | undefined {
    const known = this.#answers.get(id);
    return known instanceof Pending ? undefined : known;
  }

  /** Reads `ids` (none asked for before) in one batch read; the promise never rejects. */
  #read(ids: readonly string[]): Promise<void> {
    const read = Promise.resolve(this.#batch(ids)).then((values) => {
      for (let i = 0; i < ids.length; i += 1) this.#answers.set(ids[i]!, values[i]!);
    });
    const pending = new Pending(read);
    for (const id of ids) this.#answers.set(id, pending);
    return read;
  }

  /** Reads what `ids` lack, waits for the reads in flight they need, and resolves once all are answered; never rejects. */
  async #answerAll(ids: readonly string[]): Promise<void> {
    let missing: string[] | undefined;
    let waits: Promise<void>[] | undefined;
    for (const id of ids) {
      const known = this.#answers.get(id);
      if (known === undefined) (missing ??= []).push(id);
      else if (known instanceof Pending && !waits?.includes(known.read)) (waits ??= []).push(known.read);
    }
    if (missing) (waits ??= []).push(this.#read(missing));
    if (waits) await Promise.all(waits);
  }

  get loader(): DataLoader<string, T | null> {
    return (this.#loader ??= new DataLoader<string, T | null>(
      async (ids) => {
        await this.#answerAll(ids);
        return ids.map((id) => this.answer(id)!);
      },
      { maxBatchSize: MAX_BATCH_IDS },
    ));
  }

  /** Reads the ids with no answer yet in one batch read (chunked by the client), without a promise per id; never rejects. */
  settle(ids: readonly string[]): Promise<void> {
    return this.#answerAll(ids);
  }
}

/** What loader `N` loads (its value without the `null` for an omitted id). */
type LoadedItem<N extends LoaderName> = Exclude<LoadedValue<N>, null>;
type Sources = { [N in LoaderName]?: Source<LoadedItem<N>> };

/** How each loader reads its service: one table for the process, a `Source` per request that needs it. */
const SOURCES: { [N in LoaderName]: (clients: ServiceClients, tier: Tier) => Source<LoadedItem<N>> } = {
  users: (clients) => new Source((ids) => clients.users.getUsersByIds(ids), (u) => u.id),
  orders: (clients) => new Source((ids) => clients.orders.getOrdersByIds(ids), (o) => o.id),
  products: (clients) => new Source((ids) => clients.products.getProductsByIds(ids), (p) => p.id),
  stock: (clients) => new Source((ids) => clients.inventory.getStockByProductIds(ids), (s) => s.productId),
  reviewSummaries: (clients) => new Source((ids) => clients.reviews.getSummariesByProductIds(ids), (s) => s.productId),
  prices: (clients, tier) => new Source((ids) => clients.pricing.getPricesByProductIds(ids, tier), (p) => p.productId),
};

/**
 * The loaders of one request, each made on first use: most operations touch
 * two or three services, so the rest are never built.
 */
class RequestLoaders implements Loaders {
  readonly #sources: Sources = {};

  constructor(
    private readonly clients: ServiceClients,
    private readonly tier: Tier,
  ) {}

  #source<N extends LoaderName>(name: N): Source<LoadedItem<N>> {
    // `Sources[N]` and `SOURCES[N]` name the same source type; TypeScript cannot see it through the index.
    return ((this.#sources as Record<N, Source<LoadedItem<N>> | undefined>)[name] ??= SOURCES[name](this.clients, this.tier));
  }

  settled<N extends LoaderName>(name: N, id: string): LoadedValue<N> | Error | undefined {
    return this.#sources[name]?.answer(id) as LoadedValue<N> | Error | undefined;
  }

  settle(name: LoaderName, ids: readonly string[]): Promise<void> {
    return this.#source(name).settle(ids);
  }

  get users() {
    return this.#source('users').loader;
  }
  get orders() {
    return this.#source('orders').loader;
  }
  get products() {
    return this.#source('products').loader;
  }
  get stock() {
    return this.#source('stock').loader;
  }
  get reviewSummaries() {
    return this.#source('reviewSummaries').loader;
  }
  get prices() {
    return this.#source('prices').loader;
  }
}

/** Builds the loaders for one request; `tier` picks which prices are loaded. */
export function createLoaders(clients: ServiceClients, tier: Tier): Loaders {
  return new RequestLoaders(clients, tier);
}
