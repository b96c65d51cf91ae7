/**
 * Backoff after failed sign-ins, per account (the email tried) and per source (the caller's IP address):
 * a few failures are free, then each further one doubles the wait before the next attempt, up to a cap.
 * Failures are forgotten a while after the last one. Pure: the failure records come from a store that all
 * instances share (aws/login-attempts-repo.ts), so the backoff holds across Lambda instances.
 *
 * With the account policy an attacker gets 5 free guesses, then waits 1, 2, 4 ... s, then 15 min per
 * guess: about 100 guesses a day for one account instead of 30 a second. One source trying many accounts
 * is slowed by the source policy. Someone who knows an email can delay its owner's sign-in by failing on
 * purpose, by at most 15 minutes at a time (the price of any lockout, kept short; see SECURITY.md).
 */
export interface FailureRecord {
  failures: number;
  /** ms since epoch */
  lastFailureAt: number;
}

export interface BackoffPolicy {
  /** Failures before any wait. */
  freeFailures: number;
  /** The first wait (ms); it doubles with each further failure. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures are forgotten this long after the last one (ms). */
  forgetAfterMs: number;
}

export const ACCOUNT_BACKOFF: BackoffPolicy = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 24 * 60 * 60_000,
};

/** Looser: many people may share one address (an office, a NAT), and it is not their account at stake. */
export const SOURCE_BACKOFF: BackoffPolicy = {
  freeFailures: 20,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
  forgetAfterMs: 60 * 60_000,
};

/** Whether a stored record still counts (otherwise it is as good as none). */
export function isCurrent(record: FailureRecord | undefined, policy: BackoffPolicy, nowMs: number): boolean {
  return record !== undefined && nowMs - record.lastFailureAt < policy.forgetAfterMs;
}

/** How long (ms) until the next attempt is allowed; 0 when it is allowed now. */
export function waitBeforeNextAttempt(
  record: FailureRecord | undefined,
  policy: BackoffPolicy,
  nowMs: number,
): number {
  if (!record || !isCurrent(record, policy, nowMs)) return 0;
  const excess = record.failures - policy.freeFailures;
  if (excess <= 0) return 0;
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(excess - 1, 30));
  return Math.max(0, record.lastFailureAt + delay - nowMs);
}
