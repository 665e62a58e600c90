/**
 * A `Map` that keeps at most `maxEntries`, evicting the least recently used:
 * the in-memory cache store, so a gateway serving many distinct batch URLs
 * cannot grow without bound between expiries (keyv only drops an expired
 * entry when it is read again). Given a `weigh`, it also keeps the entries'
 * summed weight within `maxWeight` (bytes, for the response cache: a count
 * alone bounds nothing when each entry may be megabytes), and never keeps an
 * entry heavier than that on its own.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  #weight = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxWeight = Infinity,
    private readonly weigh: (value: V) => number = () => 0,
  ) {
    super();
  }

  override get(key: K): V | undefined {
    const value = super.get(key);
    if (value !== undefined) {
      // Re-inserted: a Map iterates in insertion order, so the front is the least recently used.
      super.delete(key);
      super.set(key, value);
    }
    return value;
  }

  override set(key: K, value: V): this {
    this.delete(key);
    const weight = this.weigh(value);
    // Stored, it would evict everything else and still not fit.
    if (weight > this.maxWeight) return this;
    super.set(key, value);
    this.#weight += weight;
    while (this.size > this.maxEntries || this.#weight > this.maxWeight) {
      const oldest = this.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    return this;
  }

  override delete(key: K): boolean {
    if (!super.has(key)) return false;
    this.#weight -= this.weigh(super.get(key)!);
    return super.delete(key);
  }

  override clear(): void {
    super.clear();
    this.#weight = 0;
  }
}
