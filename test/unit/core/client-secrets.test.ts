import {
  generateClientCredentials,
  generateClientId,
  generateClientSecret,
  hashClientSecret,
  isClientId,
  verifyClientSecret,
} from '../../../lambdas/core/client-secrets';

describe('client credentials', () => {
  it('client ids look like ps-<32 hex> and are unique', () => {
    const ids = new Set(Array.from({ length: 100 }, generateClientId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(isClientId(id)).toBe(true);
  });

  it('isClientId rejects other shapes', () => {
    for (const value of ['', 'ps-', 'ps-XYZ', `ps-${'a'.repeat(31)}`, 42, undefined]) {
      expect(isClientId(value)).toBe(false);
    }
  });

  it('secrets carry 256 random bits (43 base64url characters)', () => {
    const secret = generateClientSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(generateClientSecret()).not.toBe(secret);
  });

  it('stores a SHA-256 hash that does not contain the secret', () => {
    const { clientSecret } = generateClientCredentials();
    const hash = hashClientSecret(clientSecret);
    expect(hash).not.toContain(clientSecret);
    expect(Buffer.from(hash, 'base64url')).toHaveLength(32);
  });

  it('verifies the right secret against the stored hash', () => {
    const { clientSecret } = generateClientCredentials();
    expect(verifyClientSecret(clientSecret, hashClientSecret(clientSecret))).toBe(true);
  });

  it('rejects a wrong secret, an empty secret and a malformed stored hash', () => {
    const { clientSecret } = generateClientCredentials();
    const hash = hashClientSecret(clientSecret);
    expect(verifyClientSecret(`${clientSecret}x`, hash)).toBe(false);
    expect(verifyClientSecret('', hash)).toBe(false);
    expect(verifyClientSecret(clientSecret, 'short')).toBe(false);
    expect(verifyClientSecret(clientSecret, '')).toBe(false);
  });
});
