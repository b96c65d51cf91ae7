import {
  type ContractLookup,
  canonicalContractRef,
  type EventContract,
  findBuiltinContract,
} from '../core/contracts';
import { TtlCache } from '../core/ttl-cache';

/** The part of the contracts repository the data path reads. */
export interface CustomContractSource {
  listForAccount(accountId: string): Promise<EventContract[]>;
}

/** How long an account's custom contracts are trusted in a warm process. */
export const CONTRACTS_CACHE_TTL_MS = 30_000;

/**
 * The contracts an account's events may name: the built-in ones plus the account's own, cached per
 * account so the hot path does not read the table per event.
 */
export class AccountContracts {
  private readonly cache: TtlCache<string, ReadonlyMap<string, EventContract>>;

  constructor(
    private readonly source: CustomContractSource,
    ttlMs = CONTRACTS_CACHE_TTL_MS,
  ) {
    this.cache = new TtlCache(ttlMs);
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
