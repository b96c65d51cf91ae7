import { AppError, type ErrorKind } from './errors';

const STATUS: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  // A ciphertext sent by a caller that does not verify is the caller's problem, not ours.
  decryption_failed: 400,
  unavailable: 503,
};

/** The HTTP status for an error; anything that is not an `AppError` is an internal error (500). */
export function httpStatusOf(error: unknown): number {
  return error instanceof AppError ? STATUS[error.kind] : 500;
}
