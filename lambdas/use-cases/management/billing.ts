import { accountBillingId } from '../account-billing-id';
import type { ManagementPorts } from './ports';

type BillingPorts = Pick<ManagementPorts, 'billingIds' | 'now'>;

/**
 * A sign-up, login, refresh or `/v1/me` answer with the account's `billingId` (created at sign-up, and on
 * the first login or token of an account that predates billing ids).
 */
export async function withBillingId<T extends { accountId: string }>(
  ports: BillingPorts,
  result: T,
): Promise<T & { billingId: string }> {
  return { ...result, billingId: await accountBillingId(ports, result.accountId) };
}
