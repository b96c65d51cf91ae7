import { randomBytes, scryptSync } from 'node:crypto';

/** scrypt's cost in fixture hashes: the smallest N, so a test that logs in does not pay 2^14. */
const FIXTURE_N = 2;

/**
 * A stored password hash as `hashPassword` encodes it (`scrypt$N$r$p$salt$hash`) but with a tiny N:
 * verifyPassword reads N from the stored hash, so login checks it for real, in microseconds. For accounts
 * a test puts in its fakes; sign-up and password changes still hash with the real cost.
 */
export function fixturePasswordHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: FIXTURE_N, r: 8, p: 1 });
  return `scrypt$${FIXTURE_N}$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
}
