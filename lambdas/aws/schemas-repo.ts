import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../core/errors';
import type { EventSchema } from '../core/event-schemas';
import { wonConditionalWrite } from './conditional-write';
import { queryAll } from './query-all';

/**
 * An account's own event schemas, in the contracts table (the registry of an account):
 * `pk=account#<accountId>, sk=schema#<ref>` → `{schema, createdAt}`. Versions are immutable.
 */
export class SchemasRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  async listForAccount(accountId: string): Promise<EventSchema[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `account#${accountId}`, ':prefix': 'schema#' },
      // A miss triggers this reload to find a schema created a moment ago: read what was written.
      ConsistentRead: true,
    });
    return items.map((item) => item.schema as EventSchema);
  }

  async get(accountId: string, ref: string): Promise<EventSchema | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: this.key(accountId, ref), ConsistentRead: true }),
    );
    return result.Item?.schema as EventSchema | undefined;
  }

  /** Stores a schema version; an existing ref is a ConflictError (versions are immutable). */
  async put(accountId: string, schema: EventSchema): Promise<void> {
    const stored = await wonConditionalWrite(() =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: { ...this.key(accountId, schema.ref), schema, createdAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!stored) {
      throw new ConflictError(
        `schema ${schema.ref} already exists; versions are immutable, use a new version`,
        'schema_exists',
      );
    }
  }

  /** Deletes a schema version; false when it did not exist. */
  async delete(accountId: string, ref: string): Promise<boolean> {
    return wonConditionalWrite(() =>
      this.opts.doc.send(
        new DeleteCommand({
          TableName: this.opts.table,
          Key: this.key(accountId, ref),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  }

  private key(accountId: string, ref: string) {
    return { pk: `account#${accountId}`, sk: `schema#${ref}` };
  }
}
