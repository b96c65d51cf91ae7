import type { BillingIdsRepo } from '../../../lambdas/aws/billing-ids-repo';

/** In-memory stand-in for the accounts table's account items: one billing id per account, first write wins. */
export class InMemoryBillingIdsRepo implements Pick<BillingIdsRepo, 'find' | 'createIfAbsent'> {
  private readonly ids = new Map<string, string>();
  /** Calls per method. */
  readonly calls: Record<string, number> = {};

  async find(accountId: string): Promise<string | undefined> {
    this.count('find');
    return this.ids.get(accountId);
  }

  async createIfAbsent(accountId: string, candidate: string, _createdAt: string): Promise<string> {
    this.count('createIfAbsent');
    const existing = this.ids.get(accountId);
    if (existing !== undefined) return existing;
    this.ids.set(accountId, candidate);
    return candidate;
  }

  /** Gives an account a billing id directly (an account as it is stored). */
  set(accountId: string, billingId: string): void {
    this.ids.set(accountId, billingId);
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }
}
