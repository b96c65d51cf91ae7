import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MinuteCount } from '../core/usage-buckets';
import { queryAll } from './query-all';

/** Usage buckets are kept this long, then DynamoDB's TTL removes them (the table's `expiresAt`). */
export const USAGE_RETENTION_DAYS = 400;

/** The TTL (epoch seconds) of a usage bucket: its minute plus the retention. */
function expiresAtOf(minuteIso: string): number {
  return Math.floor(Date.parse(minuteIso) / 1000) + USAGE_RETENTION_DAYS * 24 * 60 * 60;
}

/** One usage bucket: events of a stream in one minute. */
export interface UsageCount {
  accountId: string;
  streamName: string;
  /**
   * `usageMinuteOf(ms)` (core/usage-minute.ts): the ISO timestamp of the start of the minute,
   * e.g. `2024-06-17T15:52:00.000Z`.
   */
  minute: string;
  count: number;
}

/** Usage counters: `pk=usage#<accountId>#<streamName>, sk=<ISO minute>` → `{count}` (ADD). */
export class UsageRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  /** Adds counts; counts for the same (account, stream, minute) are summed into one UpdateItem. */
  async addCounts(counts: readonly UsageCount[]): Promise<void> {
    const merged = new Map<string, UsageCount>();
    for (const count of counts) {
      if (count.count <= 0) continue;
      const key = `${usagePk(count.accountId, count.streamName)}\u0000${count.minute}`;
      const existing = merged.get(key);
      if (existing) existing.count += count.count;
      else merged.set(key, { ...count });
    }
    await Promise.all(
      [...merged.values()].map((bucket) =>
        this.opts.doc.send(
          new UpdateCommand({
            TableName: this.opts.table,
            Key: { pk: usagePk(bucket.accountId, bucket.streamName), sk: bucket.minute },
            UpdateExpression: 'ADD #count :n SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':n': bucket.count, ':expiresAt': expiresAtOf(bucket.minute) },
          }),
        ),
      ),
    );
  }

  /** Per-minute counts of a stream with `from <= minute < until` (ISO strings), oldest first. */
  async list(accountId: string, streamName: string, from: string, until: string): Promise<MinuteCount[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :until',
      ExpressionAttributeValues: { ':pk': usagePk(accountId, streamName), ':from': from, ':until': until },
    });
    return items
      .filter((item) => String(item.sk) < until)
      .map((item) => ({ minute: String(item.sk), count: Number(item.count) }));
  }
}

function usagePk(accountId: string, streamName: string): string {
  return `usage#${accountId}#${streamName}`;
}
