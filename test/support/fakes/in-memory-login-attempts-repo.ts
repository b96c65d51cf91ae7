import type { LoginAttemptsRepo } from '../../../lambdas/aws/login-attempts-repo';
import type { FailureRecord } from '../../../lambdas/core/login-backoff';

type LoginAttemptsSurface = Pick<LoginAttemptsRepo, 'get' | 'recordFailure' | 'clear'>;

/**
 * In-memory stand-in for the failed sign-ins of the accounts table, with the adapter's semantics: each
 * failure counts, a record whose last failure is older than `forgetAfterMs` starts again from one.
 */
export class InMemoryLoginAttemptsRepo implements LoginAttemptsSurface {
  readonly records = new Map<string, FailureRecord>();

  async get(key: string): Promise<FailureRecord | undefined> {
    const record = this.records.get(key);
    return record ? { ...record } : undefined;
  }

  async recordFailure(key: string, nowMs: number, forgetAfterMs: number): Promise<void> {
    const record = this.records.get(key);
    const stale = !record || nowMs - record.lastFailureAt >= forgetAfterMs;
    this.records.set(key, { failures: stale ? 1 : record.failures + 1, lastFailureAt: nowMs });
  }

  async clear(key: string): Promise<void> {
    this.records.delete(key);
  }
}
