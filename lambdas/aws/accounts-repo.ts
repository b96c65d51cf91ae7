import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { AccountRecord, AccountUser } from '../core/accounts';
import { ConflictError, ForbiddenError } from '../core/errors';
import type { StoredAccount } from '../use-cases/management/ports';
import { wonConditionalWrite } from './conditional-write';
import { queryAll } from './query-all';

/**
 * Users are `pk=email#<lower-case email>, sk=account` items (the login; several may share an
 * `accountId`). Each also has a membership item `pk=account#<accountId>, sk=user#<email>` so an account's
 * users can be listed; a login written since then says so (`listed: true`). The first user of an account
 * from before teammates has no membership item until its first login (`backfillMembership`).
 */
const ACCOUNT_SK = 'account';
const loginKey = (email: string) => ({ pk: `email#${email}`, sk: ACCOUNT_SK });
const membershipKey = (accountId: string, email: string) => ({
  pk: `account#${accountId}`,
  sk: `user#${email}`,
});
const membershipItem = (user: AccountRecord) => ({
  ...membershipKey(user.accountId, user.email),
  email: user.email,
  createdAt: user.createdAt,
});
/** Claimed with a conditional put while the first account is created in bootstrap mode. */
const BOOTSTRAP_CLAIM_KEY = { pk: 'bootstrap#claim', sk: 'claim' };

export class AccountsRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  /** Creates the account's first user; ConflictError when the email is taken (conditional put). */
  async create(account: AccountRecord): Promise<void> {
    await this.addUser(account);
  }

  /**
   * Adds a user with `user.accountId` (a new account's first one, or a teammate); ConflictError when the
   * email is taken. The login item is the conditional write; the membership item follows, and when it
   * cannot be written the login is taken back, so no user exists that its account cannot list.
   */
  async addUser(user: AccountRecord): Promise<void> {
    const { doc, table } = this.opts;
    const { listed: _ignored, ...record } = user as StoredAccount;
    const stored = await wonConditionalWrite(() =>
      doc.send(
        new PutCommand({
          TableName: table,
          Item: { ...loginKey(user.email), ...record, listed: true },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!stored) throw new ConflictError('an account with this email already exists');
    try {
      await doc.send(new PutCommand({ TableName: table, Item: membershipItem(user) }));
    } catch (error) {
      await doc.send(new DeleteCommand({ TableName: table, Key: loginKey(user.email) }));
      throw error;
    }
  }

  /**
   * Writes the membership item of a user from before teammates (its login not `listed`), then marks the
   * login listed, so this happens once. When the login is gone or belongs to another account by then (the
   * user was removed meanwhile), the membership item is taken back: a removed user is never listed.
   */
  async backfillMembership(user: AccountRecord): Promise<void> {
    const { doc, table } = this.opts;
    await doc.send(new PutCommand({ TableName: table, Item: membershipItem(user) }));
    const marked = await wonConditionalWrite(() =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: loginKey(user.email),
          UpdateExpression: 'SET listed = :listed',
          ConditionExpression: 'accountId = :accountId',
          ExpressionAttributeValues: { ':listed': true, ':accountId': user.accountId },
        }),
      ),
    );
    if (!marked) {
      await doc.send(new DeleteCommand({ TableName: table, Key: membershipKey(user.accountId, user.email) }));
    }
  }

  /** The users of an account (its membership items), by email. */
  async listUsers(accountId: string): Promise<AccountUser[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :user)',
      ExpressionAttributeValues: { ':pk': `account#${accountId}`, ':user': 'user#' },
      ConsistentRead: true,
    });
    return items
      .map((item) => ({ email: String(item.email), createdAt: String(item.createdAt) }))
      .sort((a, b) => a.email.localeCompare(b.email));
  }

  /**
   * Removes a user of the account: its login (only if it belongs to this account), then its membership.
   * False when the email is no user of the account. Its sessions are the caller's business.
   */
  async removeUser(accountId: string, email: string): Promise<boolean> {
    const { doc, table } = this.opts;
    const removed = await wonConditionalWrite(() =>
      doc.send(
        new DeleteCommand({
          TableName: table,
          Key: loginKey(email),
          ConditionExpression: 'accountId = :accountId',
          ExpressionAttributeValues: { ':accountId': accountId },
        }),
      ),
    );
    if (!removed) return false;
    await doc.send(new DeleteCommand({ TableName: table, Key: membershipKey(accountId, email) }));
    return true;
  }

  async getByEmail(email: string): Promise<StoredAccount | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: loginKey(email), ConsistentRead: true }),
    );
    const item = result.Item;
    if (!item) return undefined;
    return {
      accountId: item.accountId,
      email: item.email,
      passwordHash: item.passwordHash,
      createdAt: item.createdAt,
      listed: item.listed === true,
    };
  }

  /**
   * Whether an account or a bootstrap claim exists: bootstrap sign-up is over once this is true. Other
   * items of the table (failed sign-ins, sessions) do not count: a failed login must not close sign-up.
   */
  async hasAnyAccount(): Promise<boolean> {
    const claim = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: BOOTSTRAP_CLAIM_KEY, ConsistentRead: true }),
    );
    if (claim.Item) return true;
    // A page can be empty while later ones are not (Limit counts items read, not items returned).
    const pages = paginateScan(
      { client: this.opts.doc },
      {
        TableName: this.opts.table,
        Limit: 100,
        ConsistentRead: true,
        FilterExpression: 'sk = :account',
        ExpressionAttributeValues: { ':account': ACCOUNT_SK },
      },
    );
    for await (const page of pages) if ((page.Items?.length ?? 0) > 0) return true;
    return false;
  }

  async updatePasswordHash(email: string, accountId: string, passwordHash: string): Promise<boolean> {
    return wonConditionalWrite(() =>
      this.opts.doc.send(
        new UpdateCommand({
          TableName: this.opts.table,
          Key: loginKey(email),
          UpdateExpression: 'SET passwordHash = :hash',
          ConditionExpression: 'accountId = :accountId',
          ExpressionAttributeValues: { ':hash': passwordHash, ':accountId': accountId },
        }),
      ),
    );
  }

  /**
   * Bootstrap sign-up: atomically claims the right to create the first account, then creates it. Two
   * concurrent bootstrap requests cannot both succeed. ForbiddenError when the claim is taken.
   */
  async createFirst(account: AccountRecord): Promise<void> {
    const claimed = await wonConditionalWrite(() =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: { ...BOOTSTRAP_CLAIM_KEY, accountId: account.accountId, createdAt: account.createdAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!claimed) throw new ForbiddenError('sign-up is closed', 'signup_closed');
    try {
      await this.create(account);
    } catch (error) {
      // Release the claim so a failed first sign-up can be retried.
      await this.opts.doc.send(new DeleteCommand({ TableName: this.opts.table, Key: BOOTSTRAP_CLAIM_KEY }));
      throw error;
    }
  }
}
