import type { ContractsRepo } from '../../../lambdas/aws/contracts-repo';
import type { EventContract } from '../../../lambdas/core/contracts';
import { ConflictError } from '../../../lambdas/core/errors';

type ContractsRepoSurface = Pick<ContractsRepo, 'listForAccount' | 'get' | 'put' | 'delete'>;

/**
 * In-memory stand-in for the contracts table with the adapter's semantics: contracts are per account and
 * immutable (a second put of a ref is a ConflictError), lists are by ref, reads return copies.
 */
export class InMemoryContractsRepo implements ContractsRepoSurface {
  private readonly contracts = new Map<string, EventContract>();
  /** Calls per method, to check what a cache saves. */
  readonly calls: Record<string, number> = {};

  async listForAccount(accountId: string): Promise<EventContract[]> {
    this.count('listForAccount');
    return [...this.contracts.entries()]
      .filter(([key]) => key.startsWith(`${accountId}\u0000`))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, contract]) => structuredClone(contract));
  }

  async get(accountId: string, ref: string): Promise<EventContract | undefined> {
    this.count('get');
    const contract = this.contracts.get(key(accountId, ref));
    return contract ? structuredClone(contract) : undefined;
  }

  async put(accountId: string, contract: EventContract): Promise<void> {
    this.count('put');
    if (this.contracts.has(key(accountId, contract.ref))) {
      throw new ConflictError(
        `contract ${contract.ref} already exists; contracts are immutable, use a new version`,
      );
    }
    this.contracts.set(key(accountId, contract.ref), structuredClone(contract));
  }

  async delete(accountId: string, ref: string): Promise<boolean> {
    this.count('delete');
    return this.contracts.delete(key(accountId, ref));
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }
}

function key(accountId: string, ref: string): string {
  return `${accountId}\u0000${ref}`;
}
