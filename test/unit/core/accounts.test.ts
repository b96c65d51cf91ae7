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

  it.each([
    ['a trailing dot', 'ada@example.com.'],
    ['a zero-width space', 'ada\u200b@example.com'],
    ['a zero-width joiner in the domain', 'ada@exam\u200dple.com'],
    ['a NUL', 'ada\u0000@example.com'],
    ['a right-to-left mark', 'ada@\u200fexample.com'],
    ['Cyrillic letters among Latin ones (local part)', 'аda@example.com'],
    ['Cyrillic letters among Latin ones (domain)', 'ada@exаmple.com'],
    ['Greek letters among Latin ones', 'ada@εxample.com'],
    ['a quoted local part', '"ada lovelace"@example.com'],
    ['an IP address as domain', 'ada@[127.0.0.1]'],
  ])('refuses a look-alike address with %s', (_what, input) => {
    expect(() => normalizeEmail(input)).toThrow(/email must be a valid email address/);
  });

  it('maps full-width letters to their plain form, so they cannot make a second account', () => {
    expect(normalizeEmail('ａｄａ@example.com')).toBe('ada@example.com');
  });

  it('gives one form to an internationalised domain, whether written in Unicode or punycode', () => {
    expect(normalizeEmail('ada@xn--bcher-kva.de')).toBe('ada@bücher.de');
    expect(normalizeEmail('ada@BÜCHER.de')).toBe('ada@bücher.de');
  });

  it('accepts an address written entirely in one other script', () => {
    expect(normalizeEmail('иван@пример.рф')).toBe('иван@пример.рф');
  });
});

describe('password policy', () => {
  const EMAIL = 'ada@example.com';

  // Issue 8: any 8 characters were accepted ('12345678' among them); now they must also be hard to guess.
  it('accepts 8 characters or more that are hard to guess', () => {
    expect(validatePassword('vX9#qL2!mZ', EMAIL)).toBe('vX9#qL2!mZ');
    expect(validatePassword('correct horse battery staple', EMAIL)).toBe('correct horse battery staple');
  });

  it.each([
    ['password'],
    ['12345678'],
    ['        '],
    ['qwertyuiop'],
    ['Password1!'],
    ['iloveyou123'],
    ['abcdefgh'],
  ])('refuses the common or trivial password %p with weak_password', (password) => {
    // Act
    const attempt = () => validatePassword(password, EMAIL);
    // Assess
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/password is too easy to guess/);
  });

  it('refuses the email itself as the password, in any case', () => {
    expect(() => validatePassword('Ada@Example.com', EMAIL)).toThrow(
      'password must not be your email address',
    );
  });

  it('refuses a password made of the email’s words', () => {
    expect(() => validatePassword('ada-example', EMAIL)).toThrow(/too easy to guess/);
  });

  it('never quotes the password in its message', () => {
    try {
      validatePassword('monkey123', EMAIL);
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as Error).message).not.toContain('monkey');
    }
  });

  it('rejects fewer than 8 characters, naming the field', () => {
    expect(() => validatePassword('1234567', EMAIL)).toThrow('password must be at least 8 characters');
  });

  it('counts characters, not UTF-16 units', () => {
    expect(() => validatePassword('😀😀😀😀', EMAIL)).toThrow('at least 8 characters');
  });

  it('rejects a missing password', () => {
    expect(() => validatePassword(undefined, EMAIL)).toThrow('password is required');
  });

  it('rejects absurdly long passwords', () => {
    expect(() => validatePassword('x'.repeat(1025), EMAIL)).toThrow('at most 1024');
  });
});

describe('sign-up and login requests', () => {
  it('parse a sign-up with a bootstrap secret', () => {
    expect(
      parseSignUpRequest({ email: 'A@x.io', password: 'a long enough password', bootstrapSecret: 's3cret' }),
    ).toEqual({
      email: 'a@x.io',
      password: 'a long enough password',
      bootstrapSecret: 's3cret',
    });
  });

  it('reject a body that is not an object', () => {
    expect(() => parseSignUpRequest([])).toThrow('request body must be a JSON object');
    expect(() => parseLoginRequest('x')).toThrow('request body must be a JSON object');
  });

  it('reject a non-string bootstrap secret', () => {
    expect(() =>
      parseSignUpRequest({ email: 'a@x.io', password: 'a long enough password', bootstrapSecret: 1 }),
    ).toThrow('bootstrapSecret must be a string');
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
