import { canonicalContractRef, type EventContract, findBuiltinContract } from '../core/contracts';
import { AccountCatalog } from './account-catalog';

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
 * account (aws/account-catalog.ts). The one contract lookup of the data path (ingest and decrypter alike).
 */
export class AccountContracts {
  private readonly catalog: AccountCatalog<EventContract>;

  constructor(options: AccountContractsOptions) {
    this.catalog = new AccountCatalog({
      listForAccount: (accountId) => options.source.listForAccount(accountId),
      builtin: findBuiltinContract,
      refOf: (contract) => contract.ref,
      canonicalRef: canonicalContractRef,
      ttlMs: options.ttlMs ?? CONTRACTS_CACHE_TTL_MS,
      refreshIntervalMs: CONTRACTS_REFRESH_INTERVAL_MS,
      now: options.now,
    });
  }

  /**
   * The contract with this ref (or the legacy id `clickstream`, or a built-in under `strmprivacy/`) for
   * the account, or undefined; a miss reloads the account's contracts once (at most once a second; a
   * miss meanwhile waits for that reload). `loadedSince` (ms): a miss counts only after a reload started
   * at or after it (the decrypter: a record's arrival, when its contract is known to have existed).
   */
  find(accountId: string, ref: string, loadedSince?: number): Promise<EventContract | undefined> {
    return this.catalog.find(accountId, ref, loadedSince);
  }
}
