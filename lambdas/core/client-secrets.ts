import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Stream client credentials. The secret is 32 random bytes, so a single fast SHA-256 is enough to store
 * it: a slow password hash only helps against guessing low-entropy secrets, and 256 random bits cannot be
 * guessed. Only the hash is stored; the secret is shown once, in the create response.
 */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

const CLIENT_ID_PATTERN = /^ps-[0-9a-f]{32}$/;

/** `ps-` followed by 32 random hex characters (128 bits). */
export function generateClientId(): string {
  return `ps-${randomBytes(16).toString('hex')}`;
}

/** Whether a string has the shape of a client id (cheap pre-check before any lookup). */
export function isClientId(value: unknown): value is string {
  return typeof value === 'string' && CLIENT_ID_PATTERN.test(value);
}

/** 32 random bytes, base64url (43 characters). */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A new client id and secret for a stream; the secret is returned once and only its hash is stored. */
export function generateClientCredentials(): ClientCredentials {
  return { clientId: generateClientId(), clientSecret: generateClientSecret() };
}

/** SHA-256 of the secret, base64url: what the streams table stores. */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Constant-time check of a presented secret against the stored hash. */
export function verifyClientSecret(secret: string, storedHash: string): boolean {
  if (typeof secret !== 'string' || typeof storedHash !== 'string') return false;
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  const expected = Buffer.from(storedHash, 'base64url');
  return expected.length === actual.length && timingSafeEqual(actual, expected);
}
