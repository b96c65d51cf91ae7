/**
 * A bounded least-recently-used map: reading or writing an entry makes it the newest; when full, the
 * oldest entry is dropped. Map keeps insertion order, so the first key is always the oldest.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('LRU capacity must be a positive integer');
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value for a key (marking it recently used), or undefined. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores a value, evicting the least recently used entry when over capacity. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
    }
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Drops every entry whose value matches the predicate. */
  deleteWhere(predicate: (value: V, key: K) => boolean): void {
    for (const [key, value] of this.entries) {
      if (predicate(value, key)) this.entries.delete(key);
    }
  }
}
