import type { AccountsRepo } from '../../../lambdas/aws/accounts-repo';
import type { AccountRecord } from '../../../lambdas/core/accounts';
import { ConflictError, ForbiddenError } from '../../../lambdas/core/errors';

type AccountsRepoSurface = Pick<AccountsRepo, 'create' | 'createFirst' | 'getByEmail' | 'hasAnyAccount'>;

/**
 * In-memory stand-in for the accounts table with the adapter's semantics: an email is taken once
 * (ConflictError), the first account in bootstrap mode is created under a one-time claim (ForbiddenError
 * `signup_closed` once it is taken; released again when creating the account fails), reads return copies.
 */
export class InMemoryAccountsRepo implements AccountsRepoSurface {
  readonly accounts = new Map<string, AccountRecord>();
  /** Whether the bootstrap claim on the first account is taken. */
  bootstrapClaimed = false;
  /** Calls per method. */
  readonly calls: Record<string, number> = {};

  async create(account: AccountRecord): Promise<void> {
    this.count('create');
    if (this.accounts.has(account.email))
      throw new ConflictError('an account with this email already exists');
    this.accounts.set(account.email, { ...account });
  }

  async createFirst(account: AccountRecord): Promise<void> {
    this.count('createFirst');
    if (this.bootstrapClaimed) throw new ForbiddenError('sign-up is closed', 'signup_closed');
    this.bootstrapClaimed = true;
    try {
      await this.create(account);
    } catch (error) {
      this.bootstrapClaimed = false;
      throw error;
    }
  }

  async getByEmail(email: string): Promise<AccountRecord | undefined> {
    this.count('getByEmail');
    const account = this.accounts.get(email);
    return account ? { ...account } : undefined;
  }

  async hasAnyAccount(): Promise<boolean> {
    this.count('hasAnyAccount');
    return this.bootstrapClaimed || this.accounts.size > 0;
  }

  /** Stores an account as a test prepares it. */
  put(account: AccountRecord): void {
    this.accounts.set(account.email, { ...account });
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }
}
