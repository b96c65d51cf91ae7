import { generateBillingId } from '../core/billing-id';

/** Where an account's billing id is kept (aws/billing-ids-repo.ts). */
export interface BillingIdStore {
  find(accountId: string): Promise<string | undefined>;
  /** Stores the candidate unless one exists; the billing id that is stored either way. */
  createIfAbsent(accountId: string, candidate: string, createdAt: string): Promise<string>;
}

export interface BillingIdPorts {
  billingIds: BillingIdStore;
  now?: () => number;
}

/**
 * The account's billing id, created on first use: at sign-up for new accounts, and lazily (first login,
 * first stream token) for accounts that predate billing ids — never an error for an old account.
 */
export async function accountBillingId(ports: BillingIdPorts, accountId: string): Promise<string> {
  const existing = await ports.billingIds.find(accountId);
  if (existing !== undefined) return existing;
  const createdAt = new Date((ports.now ?? Date.now)()).toISOString();
  return ports.billingIds.createIfAbsent(accountId, generateBillingId(), createdAt);
}
