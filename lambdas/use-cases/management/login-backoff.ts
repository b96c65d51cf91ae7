import { TooManyRequestsError } from '../../core/errors';
import {
  ACCOUNT_BACKOFF,
  type BackoffPolicy,
  SOURCE_BACKOFF,
  waitBeforeNextAttempt,
} from '../../core/login-backoff';
import type { ManagementPorts } from './ports';

type BackoffPorts = Pick<ManagementPorts, 'loginAttempts' | 'now'>;

/** Who is trying: the email tried and the caller's address (API Gateway's view of the source IP). */
export interface SignInAttempt {
  email: string;
  sourceIp?: string;
}

function keysOf(attempt: SignInAttempt): [string, BackoffPolicy][] {
  const keys: [string, BackoffPolicy][] = [[`account#${attempt.email}`, ACCOUNT_BACKOFF]];
  if (attempt.sourceIp) keys.push([`source#${attempt.sourceIp}`, SOURCE_BACKOFF]);
  return keys;
}

/**
 * Refuses with 429 `too_many_attempts` (and `Retry-After`) while the account or the source must wait
 * after earlier failures (core/login-backoff.ts). Checked before the password is hashed, so attempts
 * during a wait cost no scrypt work; they are not counted either, so waiting is enough to get in again.
 */
export async function refuseWhileBackingOff(ports: BackoffPorts, attempt: SignInAttempt): Promise<void> {
  const now = ports.now();
  const waits = await Promise.all(
    keysOf(attempt).map(async ([key, policy]) =>
      waitBeforeNextAttempt(await ports.loginAttempts.get(key), policy, now),
    ),
  );
  const wait = Math.max(...waits);
  if (wait > 0) {
    throw new TooManyRequestsError('too many failed sign-ins; retry later', 'too_many_attempts', wait / 1000);
  }
}

/** Counts a failed sign-in for the account and the source. */
export async function recordFailedSignIn(ports: BackoffPorts, attempt: SignInAttempt): Promise<void> {
  const now = ports.now();
  await Promise.all(
    keysOf(attempt).map(([key, policy]) => ports.loginAttempts.recordFailure(key, now, policy.forgetAfterMs)),
  );
}

/** A successful sign-in forgets the account's failures (not the source's: one good password must not reset them). */
export async function recordSuccessfulSignIn(ports: BackoffPorts, attempt: SignInAttempt): Promise<void> {
  await ports.loginAttempts.clear(`account#${attempt.email}`);
}
