import { LruCache } from './lru-cache';

interface Entry<V> {
  value: Promise<V>;
  validUntil: number;
}

/**
 * A bounded read-through cache whose entries are trusted for a fixed time. Concurrent reads of a missing
 * key share one load; a failed load is not cached, so the next read tries again.
 */
export class TtlCache<K, V> {
  private readonly entries: LruCache<K, Entry<V>>;

  constructor(
    private readonly ttlMs: number,
    capacity = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new LruCache(capacity);
  }

  /** The cached value for a key, or the result of `load` (then cached for the TTL). */
  get(key: K, load: () => Promise<V>): Promise<V> {
    const now = this.now();
    const cached = this.entries.get(key);
    if (cached && now < cached.validUntil) return cached.value;
    const value = load();
    const entry: Entry<V> = { value, validUntil: now + this.ttlMs };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
