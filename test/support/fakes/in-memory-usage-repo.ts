import type { UsageCount, UsageRepo } from '../../../lambdas/aws/usage-repo';
import type { MinuteCount } from '../../../lambdas/core/usage-buckets';

type UsageRepoSurface = Pick<UsageRepo, 'addCounts' | 'list'>;

/**
 * In-memory stand-in for the usage table with the adapter's semantics: counts of the same (account,
 * stream, minute) add up, non-positive counts are ignored, a list returns `from <= minute < until`
 * oldest first.
 */
export class InMemoryUsageRepo implements UsageRepoSurface {
  /** By `<accountId>\0<streamName>\0<minute>`. */
  readonly counts = new Map<string, number>();
  /** The `[accountId, streamName, from, until]` of every list call. */
  readonly listCalls: [string, string, string, string][] = [];
  /** When true, `addCounts` rejects, as an unavailable table would. */
  failing = false;

  async addCounts(counts: readonly UsageCount[]): Promise<void> {
    if (this.failing) throw new Error('usage table unavailable');
    for (const { accountId, streamName, minute, count } of counts) {
      if (count <= 0) continue;
      const bucket = key(accountId, streamName, minute);
      this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + count);
    }
  }

  async list(accountId: string, streamName: string, from: string, until: string): Promise<MinuteCount[]> {
    this.listCalls.push([accountId, streamName, from, until]);
    const prefix = key(accountId, streamName, '');
    return [...this.counts.entries()]
      .filter(([bucket]) => bucket.startsWith(prefix))
      .map(([bucket, count]) => ({ minute: bucket.slice(prefix.length), count }))
      .filter(({ minute }) => minute >= from && minute < until)
      .sort((a, b) => (a.minute < b.minute ? -1 : 1));
  }
}

function key(accountId: string, streamName: string, minute: string): string {
  return `${accountId}\u0000${streamName}\u0000${minute}`;
}
