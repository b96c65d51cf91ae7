import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { FailureRecord } from '../core/login-backoff';
import { wonConditionalWrite } from './conditional-write';

/**
 * Failed sign-ins in the accounts table, shared by every instance of the management function:
 * `pk=login-failures#<key>, sk=failures` → `{failures (N), lastFailureAt (ms), expiresAt (TTL, s)}`. A key
 * is `account#<email>` or `source#<ip>` (see use-cases/management/login-backoff.ts). Items expire by TTL
 * once they no longer count; a record that has stopped counting is started again from one.
 */
export class LoginAttemptsRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  async get(key: string): Promise<FailureRecord | undefined> {
    const { Item } = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: itemKey(key), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return { failures: Number(Item.failures), lastFailureAt: Number(Item.lastFailureAt) };
  }

  /**
   * Counts one more failure (atomically: concurrent failures all count); a record whose last failure is
   * older than `forgetAfterMs` starts again at one.
   */
  async recordFailure(key: string, nowMs: number, forgetAfterMs: number): Promise<void> {
    const { doc, table } = this.opts;
    const expiresAt = Math.ceil((nowMs + forgetAfterMs) / 1000);
    const counted = await wonConditionalWrite(() =>
      doc.send(
        new UpdateCommand({
          TableName: table,
          Key: itemKey(key),
          UpdateExpression: 'ADD failures :one SET lastFailureAt = :now, expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(pk) OR lastFailureAt > :stale',
          ExpressionAttributeValues: {
            ':one': 1,
            ':now': nowMs,
            ':expiresAt': expiresAt,
            ':stale': nowMs - forgetAfterMs,
          },
        }),
      ),
    );
    if (counted) return;
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { ...itemKey(key), failures: 1, lastFailureAt: nowMs, expiresAt },
      }),
    );
  }

  async clear(key: string): Promise<void> {
    await this.opts.doc.send(new DeleteCommand({ TableName: this.opts.table, Key: itemKey(key) }));
  }
}

function itemKey(key: string) {
  return { pk: `login-failures#${key}`, sk: 'failures' };
}
