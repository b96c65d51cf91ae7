import { randomUUID } from 'node:crypto';
import { domainToASCII, domainToUnicode } from 'node:url';
import isEmail from 'validator/lib/isEmail';
import { ValidationError } from './errors';
import { isJsonObject } from './field-path';
import { checkPasswordStrength } from './password-policy';

/** Account rules: email normalisation and validation, password policy, request parsing. */
/** A stored account (the accounts table item without its keys). */
export interface AccountRecord {
  accountId: string;
  /** Normalised (lower-case). */
  email: string;
  /** scrypt encoding from core/passwords.ts. */
  passwordHash: string;
  /** ISO 8601. */
  createdAt: string;
}

/** A user of an account as its teammates see it (`GET /v1/users`): never the password hash. */
export interface AccountUser {
  email: string;
  /** ISO 8601. */
  createdAt: string;
}

export const MIN_PASSWORD_LENGTH = 8;
/** scrypt handles long inputs fine; the cap only keeps request bodies and work bounded. */
export const MAX_PASSWORD_LENGTH = 1024;
const MAX_EMAIL_LENGTH = 254;
/** Control characters, format characters (zero-width space and joiner, BOM, bidi marks), any white space. */
const INVISIBLE_OR_SPACE = /[\p{Cc}\p{Cf}\p{Z}\s]/u;
/** Scripts told apart for the look-alike rule; Han, Hiragana and Katakana are written together. */
const SCRIPTS: readonly [string, RegExp][] = [
  ['Latin', /\p{Script=Latin}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Georgian', /\p{Script=Georgian}/u],
  ['Hebrew', /\p{Script=Hebrew}/u],
  ['Arabic', /\p{Script=Arabic}/u],
  ['Devanagari', /\p{Script=Devanagari}/u],
  ['Thai', /\p{Script=Thai}/u],
  ['Hangul', /\p{Script=Hangul}/u],
  ['CJK', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u],
];

function scriptOf(letter: string): string {
  return SCRIPTS.find(([, pattern]) => pattern.test(letter))?.[0] ?? 'Other';
}

/** Whether the letters of a part of an address come from more than one script (`pаypal`: a Cyrillic а). */
function mixesScripts(part: string): boolean {
  const scripts = new Set([...part].filter((c) => /\p{L}/u.test(c)).map(scriptOf));
  return scripts.size > 1;
}

const invalidEmail = (why = '') => new ValidationError(`email must be a valid email address${why}`);

/**
 * The one form of an email address under which an account is stored and found: trimmed, NFKC-normalised
 * (full-width and other compatibility forms become their plain letters), lower-cased, the domain in its
 * Unicode form (`xn--bcher-kva.de` and `bücher.de` are one domain). Validated with `validator`'s isEmail
 * (on the punycode form of the domain), and stricter than it where look-alike addresses hide: no control,
 * invisible (zero-width, bidi) or space characters, no NUL, no quoted local part, no trailing dot, no IP
 * address as domain, and neither the local part nor a domain label may mix scripts (Latin with Cyrillic
 * letters, say). ValidationError naming `email` otherwise.
 */
export function normalizeEmail(input: unknown): string {
  if (typeof input !== 'string') throw new ValidationError('email is required and must be a string');
  const trimmed = input.trim();
  if (INVISIBLE_OR_SPACE.test(trimmed)) {
    throw invalidEmail(' (no spaces, control or invisible characters)');
  }
  const email = trimmed.normalize('NFKC').toLowerCase();
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH || at < 1 || local.includes('"')) {
    throw invalidEmail();
  }
  const asciiDomain = domain.endsWith('.') ? '' : domainToASCII(domain);
  const options = { allow_utf8_local_part: true, require_tld: true, allow_ip_domain: false };
  if (asciiDomain === '' || !isEmail(`${local}@${asciiDomain}`, options)) throw invalidEmail();
  const unicodeDomain = domainToUnicode(asciiDomain);
  if (mixesScripts(local) || unicodeDomain.split('.').some(mixesScripts)) {
    throw invalidEmail(
      ' (letters of one alphabet per part: no look-alike mixes such as Latin with Cyrillic)',
    );
  }
  return `${local}@${unicodeDomain}`;
}

/**
 * A new password if it meets the policy: 8 to 1024 characters and hard to guess for someone who knows the
 * email (core/password-policy.ts); ValidationError naming `password` otherwise.
 */
export function validatePassword(input: unknown, email: string, field = 'password'): string {
  if (typeof input !== 'string') throw new ValidationError(`${field} is required and must be a string`);
  if ([...input].length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`${field} must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (input.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`${field} must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  checkPasswordStrength(input, email);
  return input;
}

export interface SignUpRequest {
  email: string;
  password: string;
  bootstrapSecret?: string;
}

/** `POST /v1/accounts` body. */
export function parseSignUpRequest(body: unknown): SignUpRequest {
  if (!isJsonObject(body)) throw new ValidationError('request body must be a JSON object');
  const email = normalizeEmail(body.email);
  const request: SignUpRequest = { email, password: validatePassword(body.password, email) };
  if (body.bootstrapSecret !== undefined && body.bootstrapSecret !== null) {
    if (typeof body.bootstrapSecret !== 'string')
      throw new ValidationError('bootstrapSecret must be a string');
    request.bootstrapSecret = body.bootstrapSecret;
  }
  return request;
}

export interface LoginRequest {
  email: string;
  password: string;
}

/** `POST /v1/auth/login` body. The password policy is not applied here: a login only needs a string. */
export function parseLoginRequest(body: unknown): LoginRequest {
  if (!isJsonObject(body)) throw new ValidationError('request body must be a JSON object');
  const email = normalizeEmail(body.email);
  if (typeof body.password !== 'string' || body.password.length === 0) {
    throw new ValidationError('password is required and must be a string');
  }
  if (body.password.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  return { email, password: body.password };
}

export interface PasswordChangeRequest {
  currentPassword: string;
  newPassword: string;
}

/** `POST /v1/auth/password` body; the new password must meet the policy for the caller's email. */
export function parsePasswordChange(body: unknown, email: string): PasswordChangeRequest {
  if (!isJsonObject(body)) throw new ValidationError('request body must be a JSON object');
  const { currentPassword } = body;
  if (typeof currentPassword !== 'string' || currentPassword.length === 0) {
    throw new ValidationError('currentPassword is required and must be a string');
  }
  if (currentPassword.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`currentPassword must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  return { currentPassword, newPassword: validatePassword(body.newPassword, email, 'newPassword') };
}

/** A new account id (UUID v4). */
export function generateAccountId(): string {
  return randomUUID();
}
