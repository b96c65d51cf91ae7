import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { OAuthError } from '../core/errors';
import { isJsonObject } from '../core/field-path';
import type { IssuedTokens } from '../core/tokens';
import type { StreamTokenGrant } from '../use-cases/issue-stream-token';
import { readJsonBody } from './json-body';
import { asInvalidRequest, MAX_TOKEN_REQUEST_BYTES } from './oauth2-request';
import { expiresAt } from './oauth2-response';
import { json } from './responses';

/**
 * The Stream Machine STS of the original product's first era (Node driver v2, Java ≤ 3, Python ≤ 2, CLI
 * v1): `POST /auth` with JSON `{billingId, clientId, clientSecret}` and `POST /refresh` with
 * `{refreshToken}` — the Node v2 driver posts the whole old token `{idToken, refreshToken, expiresAt}`,
 * so other fields are ignored. Both answer `{idToken, refreshToken, expiresAt}` (epoch seconds): the same
 * tokens and the same checks as the OAuth2 endpoint.
 */

const invalidRequest = (description: string) => new OAuthError('invalid_request', description);

function jsonBody(event: APIGatewayProxyEventV2): Record<string, unknown> {
  const notAnObject = 'request body must be a JSON object';
  let body: unknown;
  try {
    body = readJsonBody(event, { limit: MAX_TOKEN_REQUEST_BYTES, malformed: notAnObject });
  } catch (error) {
    throw asInvalidRequest(error);
  }
  if (!isJsonObject(body)) throw invalidRequest(notAnObject);
  return body;
}

function requiredString(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '')
    throw invalidRequest(`${name} is required and must be a string`);
  return value;
}

/** The grant of `POST /auth` or `POST /refresh` (by the request's path). */
export function parseStsRequest(event: APIGatewayProxyEventV2): StreamTokenGrant {
  const body = jsonBody(event);
  if (isRefreshPath(event))
    return { grantType: 'refresh_token', refreshToken: requiredString(body, 'refreshToken') };
  return {
    grantType: 'client_credentials',
    billingId: requiredString(body, 'billingId'),
    clientId: requiredString(body, 'clientId'),
    clientSecret: requiredString(body, 'clientSecret'),
  };
}

function isRefreshPath(event: APIGatewayProxyEventV2): boolean {
  return /\/refresh\/?$/.test(event.rawPath ?? '');
}

/** `{idToken, refreshToken, expiresAt}` as the STS answered. */
export function stsTokenResponse(tokens: IssuedTokens, nowMs: number): APIGatewayProxyStructuredResultV2 {
  return json(
    200,
    {
      idToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: expiresAt(nowMs, tokens.expiresIn),
    },
    { pragma: 'no-cache' },
  );
}
