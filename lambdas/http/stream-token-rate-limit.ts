import { RateLimiter } from '../core/rate-limit';

/**
 * How often one stream client may get a token. A well-behaved driver asks once at start and then about
 * every 14 minutes (its refresh runs 60 s before `expires_at`); a fleet of producers sharing one client id
 * starts with a burst. A client that asks in a loop (the original Node driver did, measured at 60 requests
 * a second, when a token response lacked `expires_at`) gets 429 with Retry-After after the burst.
 *
 * The buckets live in the function's memory, per process: no table write per request (a storm would
 * otherwise become a DynamoDB write storm), and a bound that scales with the processes API Gateway starts
 * for that load, itself bounded by the stage's throttle. Locally one worker serves all token requests, so
 * the bound there is exact.
 */
export const STREAM_TOKEN_RATE = { burst: 30, perSecond: 0.5 } as const;

export function streamTokenRateLimit(now?: () => number): RateLimiter {
  return new RateLimiter({ ...STREAM_TOKEN_RATE, maxKeys: 10_000, now });
}

/**
 * How many wrong secrets (or unknown client ids) one client id may be presented with: a burst of 100, then
 * one a second. Spent only on a failed client-credentials attempt and checked before the credential read,
 * so a flood of random secrets for a client id stops reading the table (and adding per-guess buckets)
 * after the burst. Its own buckets (LRU), so a flood of other keys cannot evict the issuance buckets.
 */
export const STREAM_TOKEN_FAILURE_RATE = { burst: 100, perSecond: 1 } as const;

export function streamTokenFailureLimit(now?: () => number): RateLimiter {
  return new RateLimiter({ ...STREAM_TOKEN_FAILURE_RATE, maxKeys: 10_000, now });
}
