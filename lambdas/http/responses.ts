import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError, retryAfterSecondsOf } from '../core/errors';
import { httpStatusOf } from '../core/http-status';

/** HTTP API (payload v2) responses; error bodies take their status from the one mapping in http-status.ts. */
export function json(
  statusCode: number,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...extraHeaders },
    body: JSON.stringify(body),
  };
}

export function text(statusCode: number, body: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

export function noContent(): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 204 };
}

/**
 * `Retry-After` (whole seconds, at least 1) for an error that says when to come back; no header for any
 * other error. The one spelling of the header for every API (management, ingest, token endpoints).
 */
export function retryAfterHeaders(error: unknown): Record<string, string> {
  const seconds = retryAfterSecondsOf(error);
  if (seconds === undefined) return {};
  return { 'retry-after': retryAfterValue(seconds) };
}

/** Management-API error body: `{"error":{"code","message"}}`; internal errors never leak their message. */
export function jsonError(error: unknown): APIGatewayProxyStructuredResultV2 {
  const status = httpStatusOf(error);
  if (error instanceof AppError) {
    return json(status, { error: { code: error.code, message: error.message } }, retryAfterHeaders(error));
  }
  return json(500, { error: { code: 'internal_error', message: 'internal error' } });
}

/** Ingest-style error body: a plain-text reason, as the original event gateway answered. */
export function textError(error: unknown): APIGatewayProxyStructuredResultV2 {
  const status = httpStatusOf(error);
  if (error instanceof AppError) {
    const response = text(status, error.message);
    return { ...response, headers: { ...response.headers, ...retryAfterHeaders(error) } };
  }
  return text(500, 'internal error');
}

/** A `Retry-After` value for a wait in seconds: whole seconds, at least 1 (as `retryAfterHeaders` rounds). */
export function retryAfterValue(seconds: number): string {
  return String(Math.max(1, Math.ceil(seconds)));
}
