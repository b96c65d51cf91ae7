import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, ForbiddenError } from '../core/errors';
import { wonConditionalWrite } from './conditional-write';

/** `pk=email#<lower-case email>, sk=account` items of the accounts table. */
export interface AccountRecord {
  accountId: string;
  /** Normalised (lower-case). */
  email: string;
  /** scrypt encoding from core/passwords.ts. */
  passwordHash: string;
  /** ISO 8601. */
  createdAt: string;
}

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
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.opts.doc.send(
        new ScanCommand({
          TableName: this.opts.table,
          Limit: 10,
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      if ((page.Items?.length ?? 0) > 0) return true;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
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
