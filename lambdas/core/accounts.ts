import { randomUUID } from 'node:crypto';
import { ValidationError } from './errors';
import { isJsonObject } from './field-path';

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
// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is not ours to judge.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed, lower-cased email; ValidationError naming `email` when it is not a plausible address. */
export function normalizeEmail(input: unknown): string {
  if (typeof input !== 'string') throw new ValidationError('email is required and must be a string');
  const email = input.trim().toLowerCase();
  if (email.length === 0 || email.length > MAX_EMAIL_LENGTH || !EMAIL_PATTERN.test(email)) {
    throw new ValidationError('email must be a valid email address');
  }
  return email;
}

/** The password if it meets the policy (at least 8 characters); ValidationError naming `password` otherwise. */
export function validatePassword(input: unknown): string {
  if (typeof input !== 'string') throw new ValidationError('password is required and must be a string');
  if ([...input].length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (input.length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError(`password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
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
  const request: SignUpRequest = {
    email: normalizeEmail(body.email),
    password: validatePassword(body.password),
  };
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

/** A new account id (UUID v4). */
export function generateAccountId(): string {
  return randomUUID();
}
