import type { ContractsRepo } from '../../../lambdas/aws/contracts-repo';
import type { EventContract } from '../../../lambdas/core/contracts';
import { ConflictError } from '../../../lambdas/core/errors';

type ContractsRepoSurface = Pick<ContractsRepo, 'listForAccount' | 'listRetained' | 'get' | 'put' | 'delete'>;

/**
 * In-memory stand-in for the contracts table with the adapter's semantics: contracts are per account and
 * immutable (a second put of a ref is a ConflictError, also after a delete), a deleted contract is gone
 * for `get` and `listForAccount` but kept for `listRetained`, lists are by ref, reads return copies.
 */
export class InMemoryContractsRepo implements ContractsRepoSurface {
  private readonly contracts = new Map<string, EventContract>();
  private readonly deleted = new Set<string>();
  /** Calls per method, to check what a cache saves. */
  readonly calls: Record<string, number> = {};

  async listForAccount(accountId: string): Promise<EventContract[]> {
    this.count('listForAccount');
    return this.list(accountId, false);
  }

  async listRetained(accountId: string): Promise<EventContract[]> {
    this.count('listRetained');
    return this.list(accountId, true);
  }

  async get(accountId: string, ref: string): Promise<EventContract | undefined> {
    this.count('get');
    const contract = this.contracts.get(key(accountId, ref));
    return contract && !this.deleted.has(key(accountId, ref)) ? structuredClone(contract) : undefined;
  }

  async put(accountId: string, contract: EventContract): Promise<void> {
    this.count('put');
    if (this.contracts.has(key(accountId, contract.ref))) {
      throw new ConflictError(
        `contract ${contract.ref} exists or existed; contracts are immutable, use a new version`,
      );
    }
    this.contracts.set(key(accountId, contract.ref), structuredClone(contract));
  }

  async delete(accountId: string, ref: string): Promise<boolean> {
    this.count('delete');
    const k = key(accountId, ref);
    if (!this.contracts.has(k) || this.deleted.has(k)) return false;
    this.deleted.add(k);
    return true;
  }

  private list(accountId: string, withDeleted: boolean): EventContract[] {
    return [...this.contracts.entries()]
      .filter(([k]) => k.startsWith(`${accountId}\u0000`) && (withDeleted || !this.deleted.has(k)))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, contract]) => structuredClone(contract));
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }
}

function key(accountId: string, ref: string): string {
  return `${accountId}\u0000${ref}`;
}
