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
import { wonConditionalWrite } from './conditional-write';
import { queryAll } from './query-all';

/**
 * Users are `pk=email#<lower-case email>, sk=account` items (the login; several may share an
 * `accountId`). Each also has a membership item `pk=account#<accountId>, sk=user#<email>` so an account's
 * users can be listed, and a removed user leaves `pk=email#<email>, sk=removed#<accountId>` behind until
 * it is added again, so that its unexpired access tokens are refused.
 */
const ACCOUNT_SK = 'account';
const membershipKey = (accountId: string, email: string) => ({
  pk: `account#${accountId}`,
  sk: `user#${email}`,
});
const removedKey = (accountId: string, email: string) => ({
  pk: `email#${email}`,
  sk: `removed#${accountId}`,
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
   * cannot be written the login is taken back, so no user exists that its account cannot list. `addedBy`
   * (the user adding a teammate) gets its membership item too: accounts from before teammates lack it.
   */
  async addUser(user: AccountRecord, addedBy?: AccountRecord): Promise<void> {
    const { doc, table } = this.opts;
    const stored = await wonConditionalWrite(() =>
      doc.send(
        new PutCommand({
          TableName: table,
          Item: { pk: `email#${user.email}`, sk: ACCOUNT_SK, ...user },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!stored) throw new ConflictError('an account with this email already exists');
    try {
      const membership = {
        ...membershipKey(user.accountId, user.email),
        email: user.email,
        createdAt: user.createdAt,
      };
      await doc.send(new PutCommand({ TableName: table, Item: membership }));
      if (addedBy && addedBy.accountId === user.accountId) {
        const key = membershipKey(addedBy.accountId, addedBy.email);
        const item = { ...key, email: addedBy.email, createdAt: addedBy.createdAt };
        await doc.send(new PutCommand({ TableName: table, Item: item }));
      }
      await doc.send(new DeleteCommand({ TableName: table, Key: removedKey(user.accountId, user.email) }));
    } catch (error) {
      await doc.send(
        new DeleteCommand({ TableName: table, Key: { pk: `email#${user.email}`, sk: ACCOUNT_SK } }),
      );
      throw error;
    }
  }

  /**
   * The users of an account, by email. Accounts from before teammates have no membership item for their
   * first user: `known` (the caller, who is a user of it) is listed in any case.
   */
  async listUsers(accountId: string, known?: AccountRecord): Promise<AccountUser[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :user)',
      ExpressionAttributeValues: { ':pk': `account#${accountId}`, ':user': 'user#' },
      ConsistentRead: true,
    });
    const users = new Map(
      items.map((item) => [
        String(item.email),
        { email: String(item.email), createdAt: String(item.createdAt) },
      ]),
    );
    if (known && known.accountId === accountId && !users.has(known.email)) {
      users.set(known.email, { email: known.email, createdAt: known.createdAt });
    }
    return [...users.values()].sort((a, b) => a.email.localeCompare(b.email));
  }

  /**
   * Removes a user of the account: its login (only if it belongs to this account), then its membership,
   * leaving the removed marker. False when the email is no user of the account.
   */
  async removeUser(accountId: string, email: string, removedAt: string): Promise<boolean> {
    const { doc, table } = this.opts;
    const removed = await wonConditionalWrite(() =>
      doc.send(
        new DeleteCommand({
          TableName: table,
          Key: { pk: `email#${email}`, sk: ACCOUNT_SK },
          ConditionExpression: 'accountId = :accountId',
          ExpressionAttributeValues: { ':accountId': accountId },
        }),
      ),
    );
    if (!removed) return false;
    await doc.send(
      new PutCommand({ TableName: table, Item: { ...removedKey(accountId, email), accountId, removedAt } }),
    );
    await doc.send(new DeleteCommand({ TableName: table, Key: membershipKey(accountId, email) }));
    return true;
  }

  /** Whether this user was removed from this account (and not added again since). */
  async isRemoved(accountId: string, email: string): Promise<boolean> {
    const result = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: removedKey(accountId, email), ConsistentRead: true }),
    );
    return result.Item !== undefined;
  }

  async getByEmail(email: string): Promise<AccountRecord | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({
        TableName: this.opts.table,
        Key: { pk: `email#${email}`, sk: ACCOUNT_SK },
        ConsistentRead: true,
      }),
    );
    const item = result.Item;
    if (!item) return undefined;
    return {
      accountId: item.accountId,
      email: item.email,
      passwordHash: item.passwordHash,
      createdAt: item.createdAt,
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
          Key: { pk: `email#${email}`, sk: ACCOUNT_SK },
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
