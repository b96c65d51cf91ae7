import { CachedLoader } from '../core/cached-loader';
import { LruCache } from '../core/lru-cache';

/**
 * What an account's events may name, by ref: built-in entries (in code) first, then the account's own
 * from its registry table, cached per account so the hot path does not read the table per event. A ref
 * this process does not know may have been created a moment ago in another process, so a miss reloads
 * the account's entries once before it counts (at most once per `refreshIntervalMs` per account, so a
 * flood of unknown refs does not hit the table). A miss while that reload is in flight, or just done,
 * waits for it and looks again: concurrent lookups of a just-created entry all find it. Contracts and
 * schemas both are such a catalog.
 */
export interface AccountCatalogOptions<T> {
  /** The account's own entries (read consistently: a miss reloads to find one written a moment ago). */
  listForAccount(accountId: string): Promise<T[]>;
  /** A built-in entry by any of its refs. */
  builtin(ref: string): T | undefined;
  /** The key entries are stored under (and a ref is looked up by). */
  refOf(entry: T): string;
  canonicalRef(ref: string): string;
  ttlMs: number;
  refreshIntervalMs: number;
  now?: () => number;
}

export class AccountCatalog<T> {
  private readonly opts: AccountCatalogOptions<T>;
  private readonly now: () => number;
  private readonly cache: CachedLoader<string, ReadonlyMap<string, T>>;
  private readonly reloads = new LruCache<string, Reload<T>>(10_000);

  constructor(opts: AccountCatalogOptions<T>) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.cache = new CachedLoader({ ttlMs: opts.ttlMs, capacity: 1000, now: this.now });
  }

  /**
   * The entry with this ref for the account (built-in or own), or undefined when the account's entries
   * lack it also after a reload. `loadedSince` (ms): a miss is answered only from entries read at or
   * after it (a reload started earlier does not count), e.g. for a ref known to exist by then.
   */
  async find(accountId: string, ref: string, loadedSince?: number): Promise<T | undefined> {
    const builtin = this.opts.builtin(ref);
    if (builtin) return builtin;
    const canonical = this.opts.canonicalRef(ref);
    const found = (await this.entries(accountId)).get(canonical);
    if (found) return found;
    return (await this.reloaded(accountId, loadedSince)).get(canonical);
  }

  private entries(accountId: string): Promise<ReadonlyMap<string, T>> {
    return this.cache.get(accountId, async () => {
      const entries = await this.opts.listForAccount(accountId);
      return new Map(entries.map((entry) => [this.opts.refOf(entry), entry]));
    });
  }

  /**
   * The account's entries after a reload: the last one while it is recent (in flight, or started within
   * `refreshIntervalMs` and not before `loadedSince`), so concurrent misses share it; else a new one.
   */
  private reloaded(accountId: string, loadedSince: number | undefined): Promise<ReadonlyMap<string, T>> {
    const now = this.now();
    const last = this.reloads.get(accountId);
    const recent =
      last !== undefined &&
      now - last.startedAt < this.opts.refreshIntervalMs &&
      (loadedSince === undefined || last.startedAt >= loadedSince);
    if (recent) return last.entries;
    this.cache.delete(accountId);
    const reload: Reload<T> = { startedAt: now, entries: this.entries(accountId) };
    this.reloads.set(accountId, reload);
    // A failed reload is not shared beyond the lookups already waiting for it: the next miss tries again.
    reload.entries.catch(() => {
      if (this.reloads.get(accountId) === reload) this.reloads.delete(accountId);
    });
    return reload.entries;
  }
}

/** A reload of an account's entries: when it started and what it read. */
interface Reload<T> {
  startedAt: number;
  entries: Promise<ReadonlyMap<string, T>>;
}
