import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
} from '@aws-sdk/lib-dynamodb';
import type { AccountRecord } from '../core/accounts';
import { ConflictError, ForbiddenError } from '../core/errors';
import { wonConditionalWrite } from './conditional-write';

/** Accounts are `pk=email#<lower-case email>, sk=account` items. */
const ACCOUNT_SK = 'account';
/** Claimed with a conditional put while the first account is created in bootstrap mode. */
const BOOTSTRAP_CLAIM_KEY = { pk: 'bootstrap#claim', sk: 'claim' };

export class AccountsRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  /** Creates the account; ConflictError when the email is taken (conditional put). */
  async create(account: AccountRecord): Promise<void> {
    const stored = await wonConditionalWrite(() =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: { pk: `email#${account.email}`, sk: ACCOUNT_SK, ...account },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!stored) throw new ConflictError('an account with this email already exists');
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

  /** Whether any item exists (an account or a bootstrap claim): bootstrap sign-up is over once this is true. */
  async hasAnyAccount(): Promise<boolean> {
    // A page can be empty while later ones are not (Limit counts items read, not items returned).
    const pages = paginateScan(
      { client: this.opts.doc },
      { TableName: this.opts.table, Limit: 10, ConsistentRead: true },
    );
    for await (const page of pages) if ((page.Items?.length ?? 0) > 0) return true;
    return false;
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
