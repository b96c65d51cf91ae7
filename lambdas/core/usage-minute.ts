/**
 * Usage is counted per stream and minute. The minute of a point in time, as the usage table's sort key:
 * the start of the minute as an ISO string (`2024-06-17T15:52:00.000Z`), which sorts by time.
 */
export function usageMinuteOf(ms: number): string {
  return new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
}
