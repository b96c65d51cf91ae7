import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { OAuthError, TooManyRequestsError } from '../core/errors';
import { httpStatusOf } from '../core/http-status';
import type { IssuedTokens } from '../core/tokens';
import { json, retryAfterHeaders } from './responses';

/** OAuth2 token-endpoint responses (RFC 6749 §5.1, §5.2); the error status comes from http-status.ts. */

const BASIC_CHALLENGE = 'Basic realm="privacy-streams"';

/** Epoch seconds at which a token issued at `nowMs` with a lifetime of `seconds` expires. */
export function expiresAt(nowMs: number, seconds: number): number {
  return Math.floor(nowMs / 1000) + seconds;
}

/**
 * A successful token response; tokens are never cached (§5.1). Besides the standard `expires_in` it carries
 * `expires_at` (absolute, epoch seconds), which the original Node driver schedules its refresh from.
 */
export function tokenResponse(tokens: IssuedTokens, nowMs = Date.now()): APIGatewayProxyStructuredResultV2 {
  return json(
    200,
    {
      access_token: tokens.accessToken,
      token_type: 'Bearer',
      expires_in: tokens.expiresIn,
      expires_at: expiresAt(nowMs, tokens.expiresIn),
      refresh_token: tokens.refreshToken,
      refresh_expires_in: tokens.refreshExpiresIn,
    },
    { pragma: 'no-cache' },
  );
}

/** 429 with Retry-After for a client over its token rate. */
export function rateLimitedResponse(error: TooManyRequestsError): APIGatewayProxyStructuredResultV2 {
  return json(
    httpStatusOf(error),
    { error: error.code, error_description: error.message },
    retryAfterHeaders(error),
  );
}

/**
 * `{error, error_description}` for an OAuthError, with a Basic challenge on invalid_client when the client
 * tried Basic (§5.2). Anything else is a 500 `server_error` that says nothing about its cause.
 */
export function oauthErrorResponse(
  error: unknown,
  opts: { basicAttempted: boolean },
): APIGatewayProxyStructuredResultV2 {
  if (error instanceof TooManyRequestsError) return rateLimitedResponse(error);
  if (!(error instanceof OAuthError)) {
    return json(500, { error: 'server_error', error_description: 'internal error' });
  }
  const challenge = error.code === 'invalid_client' && opts.basicAttempted;
  return json(
    httpStatusOf(error),
    { error: error.code, error_description: error.message },
    challenge ? { 'www-authenticate': BASIC_CHALLENGE } : {},
  );
}

/** The token endpoint takes POST only. */
export function postOnly(): APIGatewayProxyStructuredResultV2 {
  return json(405, { error: 'invalid_request', error_description: 'use POST' }, { allow: 'POST' });
}
