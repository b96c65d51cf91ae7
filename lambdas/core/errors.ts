/**
 * Typed errors of the domain. Every error a caller can cause carries a stable `code`; the HTTP status
 * for each kind is decided in one place (`http-status.ts`), never at the throw site.
 */
export type ErrorKind =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'decryption_failed'
  | 'unavailable';

/** Base of the typed errors: a kind (→ HTTP status via http-status.ts), a stable code and a safe message. */
export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The request (body, headers, parameters) is malformed or violates a rule; the message says which field. */
export class ValidationError extends AppError {
  constructor(message: string, code = 'invalid_request') {
    super('bad_request', code, message);
  }
}

/** Missing, invalid or expired credentials (401). */
export class UnauthorizedError extends AppError {
  constructor(message = 'missing or invalid credentials', code = 'unauthorized') {
    super('unauthorized', code, message);
  }
}

/** Valid credentials that may not do this (403). */
export class ForbiddenError extends AppError {
  constructor(message: string, code = 'forbidden') {
    super('forbidden', code, message);
  }
}

/** Not found — also for another account's resources, so that their existence is not revealed (404). */
export class NotFoundError extends AppError {
  constructor(message: string, code = 'not_found') {
    super('not_found', code, message);
  }
}

/** The resource exists already or still has dependants (409). */
export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict') {
    super('conflict', code, message);
  }
}

/** A request body over the limit (413). */
export class PayloadTooLargeError extends AppError {
  constructor(message: string, code = 'payload_too_large') {
    super('payload_too_large', code, message);
  }
}

/** A request body in a media type the endpoint does not read (415). */
export class UnsupportedMediaTypeError extends AppError {
  constructor(message: string, code = 'unsupported_media_type') {
    super('unsupported_media_type', code, message);
  }
}

/**
 * Too many attempts or too much load (429); `retryAfterSeconds` becomes the `Retry-After` header, so a
 * well-behaved client knows when to come back.
 */
export class TooManyRequestsError extends AppError {
  constructor(
    message: string,
    code: string,
    readonly retryAfterSeconds: number,
  ) {
    super('too_many_requests', code, message);
  }
}

/**
 * Something the request needs is briefly unavailable, through no fault of the caller (503): retrying after
 * `retryAfterSeconds` (the `Retry-After` header) will do.
 */
export class ServiceUnavailableError extends AppError {
  constructor(
    message: string,
    code: string,
    readonly retryAfterSeconds: number,
  ) {
    super('unavailable', code, message);
  }
}

/** When a client should come back after this error (seconds), if the error says. */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  if (error instanceof TooManyRequestsError || error instanceof ServiceUnavailableError) {
    return error.retryAfterSeconds;
  }
  return undefined;
}

/** A ciphertext failed authentication, is malformed, or names another key. Never carries key material. */
export class DecryptionError extends AppError {
  constructor(message = 'ciphertext failed authentication', code = 'decryption_failed') {
    super('decryption_failed', code, message);
  }
}

/** The error codes of the OAuth 2.0 token endpoint (RFC 6749 §5.2) that this product answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'unsupported_grant_type'
  | 'invalid_client'
  | 'invalid_grant';

// RFC 6749 §5.2: a failed client authentication is a 401, every other token-request error a 400.
const OAUTH_ERROR_KINDS: Readonly<Record<OAuthErrorCode, ErrorKind>> = {
  invalid_request: 'bad_request',
  unsupported_grant_type: 'bad_request',
  invalid_client: 'unauthorized',
  invalid_grant: 'bad_request',
};

/**
 * A token-endpoint error: answered as `{error: code, error_description: message}` (RFC 6749 §5.2). Its
 * kind follows from the code, so its HTTP status comes from the same table as every other typed error.
 */
export class OAuthError extends AppError {
  declare readonly code: OAuthErrorCode;

  constructor(code: OAuthErrorCode, description: string) {
    super(OAUTH_ERROR_KINDS[code], code, description);
  }
}

/**
 * What a log line may say about an error: its name only (messages of unexpected errors may quote input,
 * and with it PII). The one way the code base names an error in a log.
 */
export function errorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  return error === null ? 'null' : typeof error;
}
