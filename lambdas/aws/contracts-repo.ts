import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { EventContract } from '../core/contracts';
import { ConflictError } from '../core/errors';
import { wonConditionalWrite } from './conditional-write';
import { queryAll } from './query-all';

/** Custom event contracts of an account: `pk=account#<accountId>, sk=contract#<ref>` → `{contract, createdAt}`. */
export class ContractsRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  async listForAccount(accountId: string): Promise<EventContract[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `account#${accountId}`, ':prefix': 'contract#' },
      // A miss triggers this reload to find a contract created a moment ago: read what was written.
      ConsistentRead: true,
    });
    return items.map((item) => item.contract as EventContract);
  }

  async get(accountId: string, ref: string): Promise<EventContract | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({
        TableName: this.opts.table,
        Key: { pk: `account#${accountId}`, sk: `contract#${ref}` },
      }),
    );
    return result.Item?.contract as EventContract | undefined;
  }

  /** Stores a contract; contracts are immutable, so an existing ref is a ConflictError. */
  async put(accountId: string, contract: EventContract): Promise<void> {
    const stored = await wonConditionalWrite(() =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: {
            pk: `account#${accountId}`,
            sk: `contract#${contract.ref}`,
            contract,
            createdAt: new Date().toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!stored) {
      throw new ConflictError(
        `contract ${contract.ref} already exists; contracts are immutable, use a new version`,
      );
    }
  }

  /** Deletes a contract; false when it did not exist. */
  async delete(accountId: string, ref: string): Promise<boolean> {
    return wonConditionalWrite(() =>
      this.opts.doc.send(
        new DeleteCommand({
          TableName: this.opts.table,
          Key: { pk: `account#${accountId}`, sk: `contract#${ref}` },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  }
}
