import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { OAuthError, PayloadTooLargeError, ValidationError } from '../core/errors';
import { isJsonObject } from '../core/field-path';
import type { StreamTokenGrant } from '../use-cases/issue-stream-token';
import { parseJsonBody, readBodyText } from './json-body';
import { header } from './request';

/**
 * Reading an OAuth2 token request (RFC 6749 §3.2, §4.4.2, §6): parameters from an
 * `application/x-www-form-urlencoded` body (or, leniently, a JSON object), client credentials in the body
 * or in HTTP Basic (§2.3.1) but not both. Every refusal is an OAuthError.
 */

/** A token request is a few short parameters; anything bigger is refused before it is parsed. */
export const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;

type Parameters = ReadonlyMap<string, string>;

const invalidRequest = (description: string) => new OAuthError('invalid_request', description);
const malformedBasic = () => new OAuthError('invalid_client', 'malformed Basic authorization header');

/** The grant a token request asks for. */
export function parseTokenRequest(event: APIGatewayProxyEventV2): StreamTokenGrant {
  const params = requestParameters(event);
  const grantType = params.get('grant_type');
  if (!grantType) throw invalidRequest('grant_type is required');
  if (grantType === 'client_credentials') return clientCredentialsGrant(event, params);
  if (grantType === 'refresh_token') {
    const refreshToken = params.get('refresh_token');
    if (!refreshToken) throw invalidRequest('refresh_token is required');
    return { grantType, refreshToken };
  }
  throw new OAuthError(
    'unsupported_grant_type',
    "grant_type must be 'client_credentials' or 'refresh_token'",
  );
}

/** Whether the client tried HTTP Basic authentication: then an invalid_client answer carries a challenge. */
export function attemptsBasicAuthentication(event: APIGatewayProxyEventV2): boolean {
  return /^Basic\s/i.test(header(event, 'authorization') ?? '');
}

function clientCredentialsGrant(event: APIGatewayProxyEventV2, params: Parameters): StreamTokenGrant {
  const basic = basicCredentials(event);
  if (basic && (params.has('client_id') || params.has('client_secret'))) {
    throw invalidRequest(
      'send client credentials either in the Authorization header or in the body, not both',
    );
  }
  const clientId = basic?.clientId ?? params.get('client_id');
  const clientSecret = basic?.clientSecret ?? params.get('client_secret');
  if (!clientId) throw invalidRequest('client_id is required');
  if (!clientSecret) throw invalidRequest('client_secret is required');
  return { grantType: 'client_credentials', clientId, clientSecret };
}

/** client_id and client_secret from HTTP Basic, each form-urlencoded inside (§2.3.1), if Basic is used. */
function basicCredentials(
  event: APIGatewayProxyEventV2,
): { clientId: string; clientSecret: string } | undefined {
  if (!attemptsBasicAuthentication(event)) return undefined;
  const match = header(event, 'authorization')?.match(/^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i);
  if (!match) throw malformedBasic();
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw malformedBasic();
  try {
    return {
      clientId: formDecode(decoded.slice(0, colon)),
      clientSecret: formDecode(decoded.slice(colon + 1)),
    };
  } catch {
    throw malformedBasic();
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** The body's parameters: JSON when the content type says so (or, without one, the body looks like it). */
function requestParameters(event: APIGatewayProxyEventV2): Parameters {
  const raw = bodyText(event);
  const contentType = (header(event, 'content-type') ?? '').toLowerCase();
  const looksJson = contentType.includes('json') || (!contentType && raw.trimStart().startsWith('{'));
  return looksJson ? jsonParameters(raw) : formParameters(raw);
}

function bodyText(event: APIGatewayProxyEventV2): string {
  try {
    return readBodyText(event, MAX_TOKEN_REQUEST_BYTES);
  } catch (error) {
    throw asInvalidRequest(error);
  }
}

/** A body reader's refusal as the token endpoints (OAuth2 and STS) answer it. */
export function asInvalidRequest(error: unknown): unknown {
  if (error instanceof PayloadTooLargeError) return invalidRequest('request body is too large');
  if (error instanceof ValidationError) return invalidRequest(error.message);
  return error;
}

function formParameters(raw: string): Parameters {
  const form = new URLSearchParams(raw);
  const params = new Map<string, string>();
  for (const key of new Set(form.keys())) {
    // RFC 6749 §3.2: request parameters must not be repeated.
    if (form.getAll(key).length > 1) throw invalidRequest(`${key} must not be repeated`);
    params.set(key, form.get(key) ?? '');
  }
  return params;
}

/** A flat JSON object of strings; null stands for an absent parameter. */
function jsonParameters(raw: string): Parameters {
  let body: unknown;
  try {
    body = parseJsonBody(raw, {
      malformed: 'request body must be valid JSON or application/x-www-form-urlencoded',
    });
  } catch (error) {
    throw asInvalidRequest(error);
  }
  if (!isJsonObject(body)) throw invalidRequest('request body must be a JSON object');
  const params = new Map<string, string>();
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') params.set(key, value);
    else if (value !== null) throw invalidRequest(`${key} must be a string`);
  }
  return params;
}
