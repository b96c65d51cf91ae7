import { LruCache } from './lru-cache';

export interface CachedLoaderOptions<V> {
  /** Entries kept at most; the least recently used one is dropped first. */
  capacity: number;
  /** How long a loaded value is trusted (ms); forever when absent. */
  ttlMs?: number;
  /** End of trust for one value (ms since epoch), instead of `ttlMs`: e.g. the earlier of its expiry and a TTL. */
  validUntil?: (value: V, loadedAt: number) => number;
  /** Whether a loaded value is kept at all (default: every value); e.g. only keys that were found. */
  keep?: (value: V) => boolean;
  now?: () => number;
}

interface Entry<V> {
  promise: Promise<V>;
  /** Infinity while the load is in flight, so concurrent readers share it. */
  validUntil: number;
  settled?: { value: V };
}

/**
 * The one read-through cache of the code base: bounded (LRU), entries trusted for a time, concurrent reads
 * of a missing key share one load (single flight), and a failed load is never kept, so the next read tries
 * again.
 */
export class CachedLoader<K, V> {
  private readonly entries: LruCache<K, Entry<V>>;
  private readonly now: () => number;

  constructor(private readonly options: CachedLoaderOptions<V>) {
    this.entries = new LruCache(options.capacity);
    this.now = options.now ?? Date.now;
  }

  /** The cached value for a key, or the result of `load` (then cached as the options say). */
  get(key: K, load: () => Promise<V>): Promise<V> {
    const cached = this.entries.get(key);
    if (cached && this.now() < cached.validUntil) return cached.promise;
    const loadedAt = this.now();
    const promise = load();
    const entry: Entry<V> = { promise, validUntil: Number.POSITIVE_INFINITY };
    this.entries.set(key, entry);
    promise.then(
      (value) => {
        if (this.entries.get(key) !== entry) return;
        if (this.options.keep && !this.options.keep(value)) this.entries.delete(key);
        else this.settle(entry, value, loadedAt);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return promise;
  }

  /** Stores a value known without a load (e.g. a key this process just created). */
  set(key: K, value: V): void {
    const entry: Entry<V> = { promise: Promise.resolve(value), validUntil: 0 };
    this.settle(entry, value, this.now());
    this.entries.set(key, entry);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Drops every loaded entry whose value matches. */
  deleteWhere(predicate: (value: V) => boolean): void {
    this.entries.deleteWhere((entry) => entry.settled !== undefined && predicate(entry.settled.value));
  }

  private settle(entry: Entry<V>, value: V, loadedAt: number): void {
    entry.settled = { value };
    entry.validUntil = this.options.validUntil
      ? this.options.validUntil(value, loadedAt)
      : loadedAt + (this.options.ttlMs ?? Number.POSITIVE_INFINITY);
  }
}
