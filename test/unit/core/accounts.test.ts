import {
  normalizeEmail,
  parseLoginRequest,
  parseSignUpRequest,
  validatePassword,
} from '../../../lambdas/core/accounts';
import { ValidationError } from '../../../lambdas/core/errors';

describe('email normalisation', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });

  it.each([
    ['not-an-email'],
    ['a@b'],
    ['a b@example.com'],
    ['@example.com'],
    [''],
    [`${'a'.repeat(250)}@example.com`],
  ])('rejects %p naming the email field', (input) => {
    expect(() => normalizeEmail(input)).toThrow(ValidationError);
    expect(() => normalizeEmail(input)).toThrow(/email/);
  });

  it('rejects a non-string', () => {
    expect(() => normalizeEmail(42)).toThrow('email is required and must be a string');
  });
});

describe('password policy', () => {
  it('accepts 8 characters or more', () => {
    expect(validatePassword('12345678')).toBe('12345678');
  });

  it('rejects fewer than 8 characters, naming the field', () => {
    expect(() => validatePassword('1234567')).toThrow('password must be at least 8 characters');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(() => validatePassword('😀😀😀😀')).toThrow('at least 8 characters');
  });

  it('rejects a missing password', () => {
    expect(() => validatePassword(undefined)).toThrow('password is required');
  });

  it('rejects absurdly long passwords', () => {
    expect(() => validatePassword('x'.repeat(1025))).toThrow('at most 1024');
  });
});

describe('sign-up and login requests', () => {
  it('parse a sign-up with a bootstrap secret', () => {
    expect(
      parseSignUpRequest({ email: 'A@x.io', password: 'longenough', bootstrapSecret: 's3cret' }),
    ).toEqual({
      email: 'a@x.io',
      password: 'longenough',
      bootstrapSecret: 's3cret',
    });
  });

  it('reject a body that is not an object', () => {
    expect(() => parseSignUpRequest([])).toThrow('request body must be a JSON object');
    expect(() => parseLoginRequest('x')).toThrow('request body must be a JSON object');
  });

  it('reject a non-string bootstrap secret', () => {
    expect(() => parseSignUpRequest({ email: 'a@x.io', password: 'longenough', bootstrapSecret: 1 })).toThrow(
      'bootstrapSecret must be a string',
    );
  });

  it('login does not apply the password policy (old accounts may predate it)', () => {
    expect(parseLoginRequest({ email: 'a@x.io', password: 'short' })).toEqual({
      email: 'a@x.io',
      password: 'short',
    });
  });

  it('login requires a password', () => {
    expect(() => parseLoginRequest({ email: 'a@x.io' })).toThrow('password is required');
  });
});
