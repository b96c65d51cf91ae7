import { ValidationError } from './errors';

const HOUR_MS = 60 * 60 * 1000;
const BUCKET_MS = { minute: 60_000, hour: HOUR_MS, day: 24 * HOUR_MS } as const;
const DEFAULT_RANGE_MS = 24 * HOUR_MS;
const MAX_RANGE_MS = 366 * 24 * HOUR_MS;
/** The largest |milliseconds since the epoch| a JavaScript Date can hold (ECMA-262 TimeClip). */
const MAX_DATE_MS = 8.64e15;

/** The query of `GET /v1/streams/{name}/usage`. */
export interface UsageQuery {
  from?: string;
  until?: string;
  by?: string;
}

/** A validated usage window: `[fromMs, untilMs)` in buckets of `bucketMs`, all representable as Dates. */
export interface UsageWindow {
  fromMs: number;
  untilMs: number;
  bucketMs: number;
}

function isRepresentable(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;
}

function parseTime(value: string | undefined, name: string, fallback: number): number {
  const ms =
    value === undefined || value === ''
      ? fallback
      : /^\d+$/.test(value)
        ? Number(value) * 1000
        : Date.parse(value);
  // Out-of-range times would make `new Date(ms).toISOString()` throw later, so they are bad input here.
  if (!isRepresentable(ms)) {
    throw new ValidationError(
      `${name} must be an ISO 8601 time or epoch seconds within ±8.64e12 seconds of 1970-01-01`,
    );
  }
  return ms;
}

/**
 * Parses and checks the usage query: `until` defaults to `nowMs`, `from` to 24 hours before `until`,
 * `by` to `hour`. Throws ValidationError naming the parameter.
 */
export function parseUsageWindow(query: UsageQuery, nowMs: number): UsageWindow {
  const by = query.by ?? 'hour';
  if (!Object.hasOwn(BUCKET_MS, by)) throw new ValidationError("by must be 'minute', 'hour' or 'day'");
  const bucketMs = BUCKET_MS[by as keyof typeof BUCKET_MS];
  const untilMs = parseTime(query.until, 'until', nowMs);
  const fromMs = parseTime(query.from, 'from', untilMs - DEFAULT_RANGE_MS);
  if (fromMs >= untilMs) throw new ValidationError('from must be before until');
  if (untilMs - fromMs > MAX_RANGE_MS)
    throw new ValidationError('the range from..until must be at most 366 days');
  return { fromMs, untilMs, bucketMs };
}
