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
