import { CachedLoader } from '../core/cached-loader';
import {
  type ContractLookup,
  canonicalContractRef,
  type EventContract,
  findBuiltinContract,
} from '../core/contracts';
import { LruCache } from '../core/lru-cache';

/** The part of the contracts repository the data path reads. */
export interface CustomContractSource {
  listForAccount(accountId: string): Promise<EventContract[]>;
}

/** How long an account's custom contracts are trusted in a warm process. */
export const CONTRACTS_CACHE_TTL_MS = 30_000;
/** A miss reloads an account's contracts at most this often (a flood of unknown refs must not hit the table). */
export const CONTRACTS_REFRESH_INTERVAL_MS = 1_000;

/**
 * The contracts an account's events may name: the built-in ones plus the account's own, cached per
 * account so the hot path does not read the table per event.
 */
export class AccountContracts {
  private readonly cache: CachedLoader<string, ReadonlyMap<string, EventContract>>;
  private readonly lastRefresh = new LruCache<string, number>(10_000);

  constructor(
    private readonly source: CustomContractSource,
    ttlMs = CONTRACTS_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.cache = new CachedLoader({ ttlMs, capacity: 1000, now });
  }

  /**
   * Forgets an account's cached contracts after a lookup missed, so a contract created a moment ago in
   * another process is found; true when the caller should look again (at most once a second per account).
   */
  refresh(accountId: string): boolean {
    const now = this.now();
    const last = this.lastRefresh.get(accountId);
    if (last !== undefined && now - last < CONTRACTS_REFRESH_INTERVAL_MS) return false;
    this.lastRefresh.set(accountId, now);
    this.cache.delete(accountId);
    return true;
  }

  /** A lookup by contract ref (or the legacy id `clickstream`) for one account. */
  async lookupFor(accountId: string): Promise<ContractLookup> {
    const custom = await this.cache.get(accountId, async () => {
      const contracts = await this.source.listForAccount(accountId);
      return new Map(contracts.map((contract) => [contract.ref, contract]));
    });
    return (ref) => findBuiltinContract(ref) ?? custom.get(canonicalContractRef(ref));
  }
}
