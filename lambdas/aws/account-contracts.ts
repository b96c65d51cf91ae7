import { CachedLoader } from '../core/cached-loader';
import { canonicalContractRef, type EventContract, findBuiltinContract } from '../core/contracts';
import { LruCache } from '../core/lru-cache';

/** The part of the contracts repository the data path reads. */
export interface CustomContractSource {
  listForAccount(accountId: string): Promise<EventContract[]>;
}

/** How long an account's custom contracts are trusted in a warm process. */
export const CONTRACTS_CACHE_TTL_MS = 30_000;
/** A miss reloads an account's contracts at most this often (a flood of unknown refs must not hit the table). */
export const CONTRACTS_REFRESH_INTERVAL_MS = 1_000;

export interface AccountContractsOptions {
  source: CustomContractSource;
  /** How long an account's custom contracts are trusted (CONTRACTS_CACHE_TTL_MS). */
  ttlMs?: number;
  now?: () => number;
}

/**
 * The contracts an account's events may name: the built-in ones plus the account's own, cached per
 * account so the hot path does not read the table per event. The one contract lookup of the data path
 * (ingest and decrypter alike).
 */
export class AccountContracts {
  private readonly source: CustomContractSource;
  private readonly now: () => number;
  private readonly cache: CachedLoader<string, ReadonlyMap<string, EventContract>>;
  private readonly lastRefresh = new LruCache<string, number>(10_000);

  constructor(options: AccountContractsOptions) {
    this.source = options.source;
    this.now = options.now ?? Date.now;
    this.cache = new CachedLoader({
      ttlMs: options.ttlMs ?? CONTRACTS_CACHE_TTL_MS,
      capacity: 1000,
      now: this.now,
    });
  }

  /**
   * The contract with this ref (or the legacy id `clickstream`) for the account, or undefined. A ref this
   * process does not know may belong to a contract created a moment ago in another process, so a miss
   * reloads the account's contracts once before it counts (at most once a second per account).
   */
  async find(accountId: string, ref: string): Promise<EventContract | undefined> {
    const builtin = findBuiltinContract(ref);
    if (builtin) return builtin;
    const canonical = canonicalContractRef(ref);
    const found = (await this.customContracts(accountId)).get(canonical);
    if (found || !this.mayRefresh(accountId)) return found;
    this.cache.delete(accountId);
    return (await this.customContracts(accountId)).get(canonical);
  }

  private customContracts(accountId: string): Promise<ReadonlyMap<string, EventContract>> {
    return this.cache.get(accountId, async () => {
      const contracts = await this.source.listForAccount(accountId);
      return new Map(contracts.map((contract) => [contract.ref, contract]));
    });
  }

  /** Whether a miss may reload the account's contracts now; notes the reload when it may. */
  private mayRefresh(accountId: string): boolean {
    const now = this.now();
    const last = this.lastRefresh.get(accountId);
    if (last !== undefined && now - last < CONTRACTS_REFRESH_INTERVAL_MS) return false;
    this.lastRefresh.set(accountId, now);
    return true;
  }
}
