import type { AccountsRepo } from '../../../lambdas/aws/accounts-repo';
import type { AccountRecord, AccountUser } from '../../../lambdas/core/accounts';
import { ConflictError, ForbiddenError } from '../../../lambdas/core/errors';
import type { StoredAccount } from '../../../lambdas/use-cases/management/ports';

type AccountsRepoSurface = Pick<
  AccountsRepo,
  | 'create'
  | 'createFirst'
  | 'getByEmail'
  | 'hasAnyAccount'
  | 'addUser'
  | 'backfillMembership'
  | 'listUsers'
  | 'removeUser'
  | 'updatePasswordHash'
>;

/**
 * In-memory stand-in for the accounts table with the adapter's semantics: an email is taken once
 * (ConflictError), the first account in bootstrap mode is created under a one-time claim (ForbiddenError
 * `signup_closed` once it is taken; released again when creating the account fails), reads return copies.
 * Users of an account are listed by membership (as the table's membership items); a login is `listed`
 * exactly when its membership exists; removing a user takes both away.
 */
export class InMemoryAccountsRepo implements AccountsRepoSurface {
  readonly accounts = new Map<string, AccountRecord>();
  /** Whether the bootstrap claim on the first account is taken. */
  bootstrapClaimed = false;
  /** Calls per method. */
  readonly calls: Record<string, number> = {};
  /** `<accountId>/<email>` of the users an account lists (the table's membership items). */
  readonly members = new Set<string>();

  async create(account: AccountRecord): Promise<void> {
    this.count('create');
    await this.store(account);
  }

  async addUser(user: AccountRecord): Promise<void> {
    this.count('addUser');
    await this.store(user);
  }

  async backfillMembership(user: AccountRecord): Promise<void> {
    this.count('backfillMembership');
    if (this.accounts.get(user.email)?.accountId === user.accountId) this.members.add(memberKey(user));
  }

  async listUsers(accountId: string): Promise<AccountUser[]> {
    this.count('listUsers');
    const users = [...this.accounts.values()].filter(
      (account) => account.accountId === accountId && this.members.has(memberKey(account)),
    );
    return users
      .map(({ email, createdAt }) => ({ email, createdAt }))
      .sort((a, b) => a.email.localeCompare(b.email));
  }

  async removeUser(accountId: string, email: string): Promise<boolean> {
    this.count('removeUser');
    const account = this.accounts.get(email);
    if (!account || account.accountId !== accountId) return false;
    this.accounts.delete(email);
    this.members.delete(memberKey(account));
    return true;
  }

  private async store(account: AccountRecord): Promise<void> {
    if (this.accounts.has(account.email))
      throw new ConflictError('an account with this email already exists');
    const { listed: _ignored, ...record } = account as StoredAccount;
    this.accounts.set(account.email, record);
    this.members.add(memberKey(account));
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

  async getByEmail(email: string): Promise<StoredAccount | undefined> {
    this.count('getByEmail');
    const account = this.accounts.get(email);
    return account ? { ...account, listed: this.members.has(memberKey(account)) } : undefined;
  }

  async hasAnyAccount(): Promise<boolean> {
    this.count('hasAnyAccount');
    return this.bootstrapClaimed || this.accounts.size > 0;
  }

  async updatePasswordHash(email: string, accountId: string, passwordHash: string): Promise<boolean> {
    this.count('updatePasswordHash');
    const account = this.accounts.get(email);
    if (!account || account.accountId !== accountId) return false;
    account.passwordHash = passwordHash;
    return true;
  }

  /**
   * Stores an account as a test prepares it; as a user created before teammates existed (no membership)
   * unless `listed`.
   */
  put(account: AccountRecord, listed = false): void {
    this.accounts.set(account.email, { ...account });
    if (listed) this.members.add(memberKey(account));
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }
}

function memberKey(user: Pick<AccountRecord, 'accountId' | 'email'>): string {
  return `${user.accountId}/${user.email}`;
}
