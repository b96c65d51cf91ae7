import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Who may create an account. `open`: anyone. `bootstrap`: only the first account, and only with the
 * deployment's bootstrap secret; after that sign-up is closed (further accounts are a later feature).
 */
export type SignupMode = 'open' | 'bootstrap';

/** The configured mode: unset means `open`; any other value than `open` fails closed (`bootstrap`). */
export function parseSignupMode(value: string | undefined): SignupMode {
  return value === undefined || value === '' || value === 'open' ? 'open' : 'bootstrap';
}

/**
 * Whether a bootstrap-mode sign-up presented the deployment's bootstrap secret (compared in constant
 * time). Without a configured secret nothing is accepted: bootstrap sign-up stays closed.
 */
export function bootstrapSecretAccepted(
  expected: string | undefined,
  presented: string | undefined,
): boolean {
  if (!expected || presented === undefined) return false;
  return secretsEqual(presented, expected);
}

/** Constant-time string comparison: hashing first makes the lengths equal, so timing reveals nothing. */
export function secretsEqual(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}
