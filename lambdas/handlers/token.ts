import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { StreamsRepo } from '../aws/streams-repo';
import { getTokenService } from '../aws/system-secrets';
import { isClientId, verifyClientSecret } from '../core/client-secrets';
import { AppError } from '../core/errors';
import { isJsonObject } from '../core/field-path';
import type { StreamClaims, TokenService } from '../core/tokens';
import { bodyBytes, header } from '../http/request';
import { json } from '../http/responses';

/**
 * `POST /auth/token`: OAuth2 token endpoint for stream clients (RFC 6749 §4.4 client credentials and §6
 * refresh). Answers OAuth2-style errors `{error, error_description}`.
 */
export interface TokenHandlerDeps {
  streams: Pick<StreamsRepo, 'get' | 'getCredential'>;
  tokens: () => Promise<TokenService>;
  logger?: Logger;
}

type OAuthErrorCode = 'invalid_request' | 'unsupported_grant_type' | 'invalid_client' | 'invalid_grant';

class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status: number,
    readonly basic = false,
  ) {
    super(description);
  }
}

const invalidRequest = (description: string) => new OAuthError('invalid_request', description, 400);

const MAX_TOKEN_BODY_BYTES = 16 * 1024;

/** The form or JSON body as a flat map of string parameters. */
function parseParameters(event: APIGatewayProxyEventV2): Record<string, string> {
  let raw: string;
  try {
    raw = bodyBytes(event, MAX_TOKEN_BODY_BYTES).toString('utf8');
  } catch {
    throw invalidRequest('request body is too large');
  }
  const contentType = (header(event, 'content-type') ?? '').toLowerCase();
  const looksJson = contentType.includes('json') || (!contentType && raw.trimStart().startsWith('{'));
  const params: Record<string, string> = {};
  if (looksJson) {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw invalidRequest('request body must be valid JSON or application/x-www-form-urlencoded');
    }
    if (!isJsonObject(body)) throw invalidRequest('request body must be a JSON object');
    for (const [key, value] of Object.entries(body)) {
      if (typeof value === 'string') params[key] = value;
      else if (value !== undefined && value !== null) throw invalidRequest(`${key} must be a string`);
    }
    return params;
  }
  const form = new URLSearchParams(raw);
  for (const key of new Set(form.keys())) {
    // RFC 6749 §3.2: parameters must not be repeated.
    if (form.getAll(key).length > 1) throw invalidRequest(`${key} must not be repeated`);
    params[key] = form.get(key) ?? '';
  }
  return params;
}

/** client_id/client_secret from HTTP Basic (form-urlencoded inside, RFC 6749 §2.3.1), if that header is used. */
function basicCredentials(
  event: APIGatewayProxyEventV2,
): { clientId: string; clientSecret: string } | undefined {
  const value = header(event, 'authorization');
  const match = value?.match(/^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i);
  if (!value || !/^Basic\s/i.test(value)) return undefined;
  if (!match) throw new OAuthError('invalid_client', 'malformed Basic authorization header', 401, true);
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'malformed Basic authorization header', 401, true);
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw new OAuthError('invalid_client', 'malformed Basic authorization header', 401, true);
  }
}

function tokenResponse(tokens: {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}): APIGatewayProxyStructuredResultV2 {
  return json(
    200,
    {
      access_token: tokens.accessToken,
      token_type: 'Bearer',
      expires_in: tokens.expiresIn,
      refresh_token: tokens.refreshToken,
      refresh_expires_in: tokens.refreshExpiresIn,
    },
    { pragma: 'no-cache' },
  );
}

export function createTokenHandler(deps: TokenHandlerDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'token' });

  async function clientCredentials(event: APIGatewayProxyEventV2, params: Record<string, string>) {
    const basic = basicCredentials(event);
    if (basic && (params.client_id !== undefined || params.client_secret !== undefined)) {
      throw invalidRequest(
        'send client credentials either in the Authorization header or in the body, not both',
      );
    }
    const clientId = basic?.clientId ?? params.client_id;
    const clientSecret = basic?.clientSecret ?? params.client_secret;
    if (!clientId) throw invalidRequest('client_id is required');
    if (!clientSecret) throw invalidRequest('client_secret is required');
    const invalidClient = new OAuthError(
      'invalid_client',
      'unknown client or wrong secret',
      401,
      Boolean(basic),
    );
    if (!isClientId(clientId)) throw invalidClient;
    const credential = await deps.streams.getCredential(clientId);
    if (!credential || !verifyClientSecret(clientSecret, credential.secretHash)) throw invalidClient;
    const stream = await deps.streams.get(credential.accountId, credential.streamName);
    if (!stream || stream.enabled === false) throw invalidClient;
    const claims: StreamClaims = {
      clientId,
      accountId: credential.accountId,
      stream: stream.name,
      derived: stream.linkedStream !== undefined,
    };
    logger.info('stream token issued', { grant: 'client_credentials', clientId });
    return tokenResponse(await (await deps.tokens()).issueStreamTokens(claims));
  }

  async function refresh(params: Record<string, string>) {
    if (!params.refresh_token) throw invalidRequest('refresh_token is required');
    const tokens = await deps.tokens();
    let claims: StreamClaims;
    try {
      claims = await tokens.verifyStreamRefreshToken(params.refresh_token);
    } catch (error) {
      const reason = error instanceof AppError ? error.message : 'invalid token';
      throw new OAuthError('invalid_grant', `refresh_token is not valid (${reason})`, 400);
    }
    // The credential (and its stream) may have been deleted since the refresh token was issued.
    const credential = await deps.streams.getCredential(claims.clientId);
    const stream = credential && (await deps.streams.get(credential.accountId, credential.streamName));
    if (
      !credential ||
      !stream ||
      stream.enabled === false ||
      credential.accountId !== claims.accountId ||
      credential.streamName !== claims.stream
    ) {
      throw new OAuthError('invalid_grant', 'the client of this refresh_token no longer exists', 400);
    }
    logger.info('stream token issued', { grant: 'refresh_token', clientId: claims.clientId });
    return tokenResponse(
      await tokens.issueStreamTokens({ ...claims, derived: stream.linkedStream !== undefined }),
    );
  }

  return async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    try {
      const method = event.requestContext?.http?.method ?? 'POST';
      if (method !== 'POST') {
        return json(405, { error: 'invalid_request', error_description: 'use POST' }, { allow: 'POST' });
      }
      const params = parseParameters(event);
      const grantType = params.grant_type;
      if (!grantType) throw invalidRequest('grant_type is required');
      if (grantType === 'client_credentials') return await clientCredentials(event, params);
      if (grantType === 'refresh_token') return await refresh(params);
      throw new OAuthError(
        'unsupported_grant_type',
        "grant_type must be 'client_credentials' or 'refresh_token'",
        400,
      );
    } catch (error) {
      if (error instanceof OAuthError) {
        logger.info('token request rejected', { error: error.code });
        return json(
          error.status,
          { error: error.code, error_description: error.description },
          error.basic ? { 'www-authenticate': 'Basic realm="privacy-streams"' } : {},
        );
      }
      logger.error('token request failed', { errorName: (error as Error)?.name });
      return json(500, { error: 'server_error', error_description: 'internal error' });
    }
  };
}

let cached: ReturnType<typeof createTokenHandler> | undefined;

/** Lambda entry point; dependencies are built from the environment on first use. */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  cached ??= createTokenHandler({
    streams: new StreamsRepo({ doc: dynamoDocumentClient(), table: requiredEnv('STREAMS_TABLE') }),
    tokens: getTokenService,
  });
  return cached(event);
}
