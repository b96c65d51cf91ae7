import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { wonConditionalWrite } from './conditional-write';

/**
 * The account item of the accounts table: `pk=account#<accountId>, sk=account` → `{accountId, billingId,
 * createdAt}`. One per account, however many users (`email#` items) share the account id; created with a
 * conditional put, so concurrent first uses agree on one billing id.
 */
export class BillingIdsRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  async find(accountId: string): Promise<string | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: this.key(accountId), ConsistentRead: true }),
    );
    const billingId = result.Item?.billingId;
    return typeof billingId === 'string' ? billingId : undefined;
  }

  /** Stores `candidate` unless the account has a billing id already; returns the one that is stored. */
  async createIfAbsent(accountId: string, candidate: string, createdAt: string): Promise<string> {
    const created = await wonConditionalWrite(() =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: { ...this.key(accountId), accountId, billingId: candidate, createdAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (created) return candidate;
    const existing = await this.find(accountId);
    if (existing === undefined) throw new Error('billing id vanished after a lost conditional write');
    return existing;
  }

  private key(accountId: string) {
    return { pk: `account#${accountId}`, sk: 'account' };
  }
}
