/**
 * The usage chart's data: the API leaves empty buckets out, the chart needs one value per bucket and
 * stream on a shared time axis (uPlot: seconds since the epoch).
 */

export interface UsageRange {
  id: 'hour' | 'day' | 'month';
  label: string;
  /** The API's `by`. */
  by: 'minute' | 'hour' | 'day';
  bucketMs: number;
  spanMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const USAGE_RANGES: readonly UsageRange[] = [
  { id: 'hour', label: 'Last hour, per minute', by: 'minute', bucketMs: MINUTE, spanMs: HOUR },
  { id: 'day', label: 'Last 24 hours, per hour', by: 'hour', bucketMs: HOUR, spanMs: DAY },
  { id: 'month', label: 'Last 30 days, per day', by: 'day', bucketMs: DAY, spanMs: 30 * DAY },
];

/** The query of a range ending now: whole buckets, the current one included. */
export function usageWindow(range: UsageRange, nowMs: number): { from: string; until: string; by: string } {
  const until = (Math.floor(nowMs / range.bucketMs) + 1) * range.bucketMs;
  return {
    from: new Date(until - range.spanMs).toISOString(),
    until: new Date(until).toISOString(),
    by: range.by,
  };
}

export interface AlignedUsage {
  /** Bucket starts, seconds since the epoch. */
  times: number[];
  series: { stream: string; counts: number[]; total: number }[];
}

/** One count per bucket of the window and stream, zeros where the API has no bucket. */
export function alignUsage(
  window: { from: string; until: string },
  range: Pick<UsageRange, 'bucketMs'>,
  perStream: readonly { stream: string; buckets: readonly { from: string; count: number }[] }[],
): AlignedUsage {
  const fromMs = Date.parse(window.from);
  const untilMs = Date.parse(window.until);
  const starts: number[] = [];
  for (let t = fromMs; t < untilMs; t += range.bucketMs) starts.push(t);
  const indexOf = new Map(starts.map((t, i) => [t, i]));
  return {
    times: starts.map((t) => t / 1000),
    series: perStream.map(({ stream, buckets }) => {
      const counts = starts.map(() => 0);
      for (const { from, count } of buckets) {
        const i = indexOf.get(Math.floor(Date.parse(from) / range.bucketMs) * range.bucketMs);
        if (i !== undefined) counts[i]! += count;
      }
      return { stream, counts, total: counts.reduce((a, b) => a + b, 0) };
    }),
  };
}
