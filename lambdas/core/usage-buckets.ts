import { usageMinuteOf } from './usage-minute';
import type { UsageWindow } from './usage-window';

/**
 * The events of one stream in one minute, as stored. `GET /v1/streams/{name}/usage` sums these into
 * buckets of a minute, an hour or a day.
 */
export interface MinuteCount {
  /** The start of the minute, ISO 8601 (`usageMinuteOf`). */
  minute: string;
  count: number;
}

/** The events of a stream in one bucket that starts at `from` (ISO 8601). */
export interface UsageBucket {
  from: string;
  count: number;
}

/**
 * The stored minutes a window reads, as ISO strings: from the minute that holds `fromMs` (so that a window
 * starting mid-minute still counts that minute) up to, not including, `untilMs`.
 */
export function minutesOfWindow(window: UsageWindow): { from: string; until: string } {
  return { from: usageMinuteOf(window.fromMs), until: new Date(window.untilMs).toISOString() };
}

/**
 * Sums per-minute counts into buckets of `bucketMs` (aligned to the epoch, so hours and days are UTC),
 * oldest first; buckets without counts are left out. A minute that is not a valid time is skipped.
 */
export function bucketUsage(minutes: readonly MinuteCount[], bucketMs: number): UsageBucket[] {
  const buckets = new Map<number, number>();
  for (const { minute, count } of minutes) {
    const start = Math.floor(Date.parse(minute) / bucketMs) * bucketMs;
    if (Number.isFinite(start)) buckets.set(start, (buckets.get(start) ?? 0) + count);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, count]) => ({ from: new Date(start).toISOString(), count }));
}
