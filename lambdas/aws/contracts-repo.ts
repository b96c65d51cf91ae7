import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { EventContract } from '../core/contracts';
import { ConflictError } from '../core/errors';
import { wonConditionalWrite } from './conditional-write';
import { queryAll } from './query-all';

/**
 * Custom event contracts of an account: `pk=account#<accountId>, sk=contract#<ref>` →
 * `{contract, createdAt, deletedAt?}`. A deleted contract stays as a tombstone (`deletedAt`): it is gone
 * for the account and for new events (`get`, `listForAccount`), but the events ingest accepted under it —
 * some in the last seconds before every ingest process noticed, any still in the source stream — must
 * still be derived, so `listRetained` (the decrypter's lookup) keeps finding it. Contracts are immutable:
 * a ref, once used, is never defined again, deleted or not.
 */
export class ContractsRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  /** The account's contracts that are not deleted: what new events may name. */
  async listForAccount(accountId: string): Promise<EventContract[]> {
    return this.query(accountId, { FilterExpression: 'attribute_not_exists(deletedAt)' });
  }

  /** Every contract the account ever had, deleted ones included: what stored events may name. */
  async listRetained(accountId: string): Promise<EventContract[]> {
    return this.query(accountId, {});
  }

  private async query(
    accountId: string,
    filter: Pick<QueryCommandInput, 'FilterExpression'>,
  ): Promise<EventContract[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `account#${accountId}`, ':prefix': 'contract#' },
      ...filter,
      // A miss triggers this reload to find a contract created a moment ago: read what was written.
      ConsistentRead: true,
    });
    return items.map((item) => item.contract as EventContract);
  }

  /** A contract that is not deleted. */
  async get(accountId: string, ref: string): Promise<EventContract | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: this.key(accountId, ref) }),
    );
    return result.Item && result.Item.deletedAt === undefined
      ? (result.Item.contract as EventContract)
      : undefined;
  }

  /** Stores a contract; contracts are immutable, so a ref that exists or existed is a ConflictError. */
  async put(accountId: string, contract: EventContract): Promise<void> {
    const stored = await wonConditionalWrite(() =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: { ...this.key(accountId, contract.ref), contract, createdAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!stored) {
      throw new ConflictError(
        `contract ${contract.ref} exists or existed; contracts are immutable, use a new version`,
      );
    }
  }

  /** Deletes a contract (leaving its tombstone); false when it did not exist or was deleted already. */
  async delete(accountId: string, ref: string): Promise<boolean> {
    return wonConditionalWrite(() =>
      this.opts.doc.send(
        new UpdateCommand({
          TableName: this.opts.table,
          Key: this.key(accountId, ref),
          UpdateExpression: 'SET deletedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
          ExpressionAttributeValues: { ':now': new Date().toISOString() },
        }),
      ),
    );
  }

  private key(accountId: string, ref: string) {
    return { pk: `account#${accountId}`, sk: `contract#${ref}` };
  }
}
