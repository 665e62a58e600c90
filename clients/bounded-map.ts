/**
 * A `Map` that keeps at most `maxEntries`, evicting the least recently used:
 * the in-memory cache store, so a gateway serving many distinct batch URLs
 * cannot grow without bound between expiries (keyv only drops an expired
 * entry when it is read again).
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly maxEntries: number) {
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
    super.delete(key);
    super.set(key, value);
    while (this.size > this.maxEntries) {
      const oldest = this.keys().next();
      if (oldest.done) break;
      super.delete(oldest.value);
    }
    return this;
  }
}
