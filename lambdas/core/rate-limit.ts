import { LruCache } from './lru-cache';

/**
 * A token bucket per key (here: per stream client id), kept in this process's memory. Each key may spend
 * `burst` requests at once and then `perSecond` on average; a denied request is told how many seconds
 * until the next token. Keys are bounded (least recently used dropped), so a flood of made-up keys costs
 * a fixed amount of memory.
 */
export interface RateLimitOptions {
  burst: number;
  perSecond: number;
  maxKeys?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter {
  private readonly buckets: LruCache<string, Bucket>;
  private readonly now: () => number;

  constructor(private readonly opts: RateLimitOptions) {
    this.buckets = new LruCache(opts.maxKeys ?? 10_000);
    this.now = opts.now ?? Date.now;
  }

  /** Takes one token for `key`: 0 when allowed, else the whole seconds to wait before the next one. */
  take(key: string): number {
    const bucket = this.refilled(key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return this.secondsToNext(bucket);
  }

  /**
   * Whether `key` has a token, without taking it: 0 when it has, else the whole seconds to wait. For a
   * bucket spent only on some outcomes (e.g. failures), checked before the work whose outcome it counts.
   * An unknown key is not stored.
   */
  waitFor(key: string): number {
    if (this.buckets.get(key) === undefined) return 0;
    const bucket = this.refilled(key);
    return bucket.tokens >= 1 ? 0 : this.secondsToNext(bucket);
  }

  private refilled(key: string): Bucket {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.opts.burst, updatedMs: now };
    const refilled = (Math.max(0, now - bucket.updatedMs) / 1000) * this.opts.perSecond;
    bucket.tokens = Math.min(this.opts.burst, bucket.tokens + refilled);
    bucket.updatedMs = now;
    this.buckets.set(key, bucket);
    return bucket;
  }

  private secondsToNext(bucket: Bucket): number {
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.opts.perSecond));
  }
}
