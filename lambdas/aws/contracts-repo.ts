import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EventContract } from '../core/contracts';
import { ConflictError } from '../core/errors';

/** Custom event contracts of an account: `pk=account#<accountId>, sk=contract#<ref>` → `{contract, createdAt}`. */
export class ContractsRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  async listForAccount(accountId: string): Promise<EventContract[]> {
    const contracts: EventContract[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.opts.doc.send(
        new QueryCommand({
          TableName: this.opts.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `account#${accountId}`, ':prefix': 'contract#' },
          ExclusiveStartKey: startKey,
          // A miss triggers this reload to find a contract created a moment ago: read what was written.
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) contracts.push(item.contract as EventContract);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return contracts;
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
    try {
      await this.opts.doc.send(
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
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        throw new ConflictError(
          `contract ${contract.ref} already exists; contracts are immutable, use a new version`,
        );
      }
      throw error;
    }
  }
}
