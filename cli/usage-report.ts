import type { UsageBucket } from './api-client';
import { CliError } from './cli-error';

/**
 * `strm get usage`: the original CLI's report (strm-behaviour.md §6.5) over this API's per-minute counts.
 * Windows of `--by` from `--from` to `--until`, each with `count` (events since `--from`, cumulative),
 * `duration` (seconds), `change` (events in the window) and `rate` (events per second). Pure.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const UNIT_MS: Record<string, number> = { s: 1000, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };
/** More rows than this is a mistake (say --by 1m over a year): ask for a larger --by instead. */
export const MAX_USAGE_WINDOWS = 10_000;
export const DEFAULT_USAGE_BY = '15m';
const DEFAULT_RANGE_MS = DAY_MS;

export interface UsageWindowRow {
  /** Start of the window, ms since the epoch. */
  fromMs: number;
  count: number;
  /** Seconds the window covers (the last one may be cut short by --until). */
  duration: number;
  change: number;
  /** Events per second in the window. */
  rate: number;
}

export interface UsagePlan {
  fromMs: number;
  untilMs: number;
  intervalMs: number;
  /** The API's bucket that the windows are summed from: the largest that divides the interval. */
  apiBucket: 'minute' | 'hour' | 'day';
}

/** `--by`: whole seconds (`900`) or a number with s, m, h or d (`15m`); a whole number of minutes. */
export function parseUsageInterval(value: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(value.trim().toLowerCase());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] || 's'] : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new CliError(
      `Invalid --by '${value}': use seconds or a number with s, m, h or d, like 15m, 1h or 1d`,
    );
  }
  if (ms % MINUTE_MS !== 0) {
    throw new CliError(
      `Invalid --by '${value}': usage is counted per minute, so use whole minutes (1m, 15m, 1h)`,
    );
  }
  return ms;
}

/** `YYYY/M/D-HH:mm` (as the original CLI, in the time zone `timeZone`) or ISO 8601 with a zone. */
export function parseUsageTime(value: string, flag: string, timeZone: string | undefined): number {
  const local = /^(\d{4})\/(\d{1,2})\/(\d{1,2})-(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (local) {
    const [year, month, day, hour, minute] = local.slice(1).map(Number);
    const wall = Date.UTC(year, month - 1, day, hour, minute);
    const date = new Date(wall);
    if (date.getUTCMonth() === month - 1 && date.getUTCDate() === day && hour < 24) {
      return wallTimeToEpoch(wall, timeZone);
    }
  } else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/i.test(value.trim())) {
    const ms = Date.parse(value.trim());
    if (Number.isFinite(ms)) return ms;
  }
  throw new CliError(
    `Invalid ${flag} '${value}': use YYYY/M/D-HH:mm in local time (like 2024/6/17-09:00) ` +
      'or ISO 8601 with a zone (like 2024-06-17T07:00:00Z)',
  );
}

/** The windows to report and the API query behind them; CliError for an empty or oversized range. */
export function planUsage(
  flags: { from?: string; until?: string; by?: string },
  nowMs: number,
  timeZone: string | undefined,
): UsagePlan {
  const intervalMs = parseUsageInterval(flags.by ?? DEFAULT_USAGE_BY);
  const untilMs = flags.until === undefined ? nowMs : parseUsageTime(flags.until, '--until', timeZone);
  const requestedFrom =
    flags.from === undefined ? untilMs - DEFAULT_RANGE_MS : parseUsageTime(flags.from, '--from', timeZone);
  if (requestedFrom >= untilMs) throw new CliError('--from must be before --until');
  // Whole windows, aligned like the API's buckets (to the epoch: whole UTC hours and days).
  const fromMs = Math.floor(requestedFrom / intervalMs) * intervalMs;
  if (Math.ceil((untilMs - fromMs) / intervalMs) > MAX_USAGE_WINDOWS) {
    throw new CliError(
      `That is more than ${MAX_USAGE_WINDOWS} windows of --by: use a larger --by or a shorter --from/--until range`,
    );
  }
  const apiBucket = intervalMs % DAY_MS === 0 ? 'day' : intervalMs % HOUR_MS === 0 ? 'hour' : 'minute';
  return { fromMs, untilMs, intervalMs, apiBucket };
}

/** Every window of the plan, empty ones included, with the API's buckets summed into them. */
export function usageRows(plan: UsagePlan, buckets: readonly UsageBucket[]): UsageWindowRow[] {
  const windows = Math.ceil((plan.untilMs - plan.fromMs) / plan.intervalMs);
  const changes = new Array<number>(windows).fill(0);
  for (const bucket of buckets) {
    const index = Math.floor((Date.parse(bucket.from) - plan.fromMs) / plan.intervalMs);
    if (index >= 0 && index < windows) changes[index] += bucket.count;
  }
  let count = 0;
  return changes.map((change, index) => {
    const fromMs = plan.fromMs + index * plan.intervalMs;
    const duration = (Math.min(fromMs + plan.intervalMs, plan.untilMs) - fromMs) / 1000;
    count += change;
    return { fromMs, count, duration, change, rate: Math.round((change / duration) * 100) / 100 };
  });
}

/** ISO 8601 in `timeZone` (default: the system's) with its offset, like the original: `2024-06-17T09:00:00+02:00`. */
export function formatLocalTime(ms: number, timeZone: string | undefined): string {
  const wall = wallTimeOf(ms, timeZone);
  const offsetMinutes = Math.round((wall - ms) / MINUTE_MS);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return `${new Date(wall).toISOString().slice(0, 19)}${offset}`;
}

/** The wall-clock time at `ms` in `timeZone`, expressed as if it were UTC. */
function wallTimeOf(ms: number, timeZone: string | undefined): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
}

/** The epoch time whose wall-clock time in `timeZone` is `wall` (taken as UTC); DST gaps resolve forwards. */
function wallTimeToEpoch(wall: number, timeZone: string | undefined): number {
  let guess = wall - (wallTimeOf(wall, timeZone) - wall);
  guess = wall - (wallTimeOf(guess, timeZone) - guess);
  return guess;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
