import { bucketUsage, minutesOfWindow, type UsageBucket } from '../../core/usage-buckets';
import { parseUsageWindow, type UsageQuery } from '../../core/usage-window';
import { ownStream } from './owned-stream';
import type { ManagementPorts } from './ports';

/**
 * `GET /v1/streams/{name}/usage?from&until&by`: the stream's event counts between `from` and `until` in
 * buckets of a minute, an hour or a day (defaults and limits in core/usage-window.ts).
 */
export async function streamUsage(
  ports: Pick<ManagementPorts, 'streams' | 'usage' | 'now'>,
  accountId: string,
  name: string,
  query: UsageQuery,
): Promise<UsageBucket[]> {
  const stream = await ownStream(ports.streams, accountId, name);
  const window = parseUsageWindow(query, ports.now());
  const { from, until } = minutesOfWindow(window);
  const minutes = await ports.usage.list(accountId, stream.name, from, until);
  return bucketUsage(minutes, window.bucketMs);
}
