import { CachedLoader } from '../core/cached-loader';
import { LruCache } from '../core/lru-cache';

/**
 * What an account's events may name, by ref: built-in entries (in code) first, then the account's own
 * from its registry table, cached per account so the hot path does not read the table per event. A ref
 * this process does not know may have been created a moment ago in another process, so a miss reloads
 * the account's entries once before it counts (at most once per `refreshIntervalMs` per account, so a
 * flood of unknown refs does not hit the table). Contracts and schemas both are such a catalog.
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
  private readonly lastRefresh = new LruCache<string, number>(10_000);

  constructor(opts: AccountCatalogOptions<T>) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.cache = new CachedLoader({ ttlMs: opts.ttlMs, capacity: 1000, now: this.now });
  }

  /** The entry with this ref for the account (built-in or own), or undefined. */
  async find(accountId: string, ref: string): Promise<T | undefined> {
    const builtin = this.opts.builtin(ref);
    if (builtin) return builtin;
    const canonical = this.opts.canonicalRef(ref);
    const found = (await this.entries(accountId)).get(canonical);
    if (found || !this.mayRefresh(accountId)) return found;
    this.cache.delete(accountId);
    return (await this.entries(accountId)).get(canonical);
  }

  private entries(accountId: string): Promise<ReadonlyMap<string, T>> {
    return this.cache.get(accountId, async () => {
      const entries = await this.opts.listForAccount(accountId);
      return new Map(entries.map((entry) => [this.opts.refOf(entry), entry]));
    });
  }

  /** Whether a miss may reload the account's entries now; notes the reload when it may. */
  private mayRefresh(accountId: string): boolean {
    const now = this.now();
    const last = this.lastRefresh.get(accountId);
    if (last !== undefined && now - last < this.opts.refreshIntervalMs) return false;
    this.lastRefresh.set(accountId, now);
    return true;
  }
}
