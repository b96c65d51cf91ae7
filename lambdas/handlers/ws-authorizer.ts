import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { StreamsRepo } from '../aws/streams-repo';
import { getTokenService } from '../aws/system-secrets';
import { AppError } from '../core/errors';
import type { TokenService } from '../core/tokens';

/**
 * WebSocket `$connect` REQUEST authorizer. The stream token comes from `Authorization: Bearer …` or, since
 * browsers cannot set headers on a WebSocket upgrade, from `?token=…`.
 *
 * A missing, invalid or expired token, or a token whose stream no longer exists, gets a Deny policy with no
 * context (API Gateway answers 403), rather than throwing 'Unauthorized' (401): the authorizer never has to
 * tell an invalid token from a deleted stream, and a Deny carries nothing a caller could use. The token names
 * its stream by name, so it must also carry one of the stream's current client ids: a token issued before the
 * stream was deleted and recreated under the same name is denied. When the token service cannot be built
 * (on AWS this role may only read the signing secret, which does not exist before the first token is issued),
 * no valid token can exist: Deny. Other infrastructure failures (e.g. DynamoDB unavailable) are thrown, so
 * API Gateway answers 500 and the client can retry.
 */
export interface WsAuthorizerDeps {
  streams: Pick<StreamsRepo, 'get'>;
  tokens: () => Promise<TokenService>;
  logger?: Logger;
}

export interface WsAuthorizerContext {
  accountId: string;
  stream: string;
  clientId: string;
}

export type WsAuthorizerResult = APIGatewayAuthorizerResult & { context?: WsAuthorizerContext };

function policy(principalId: string, effect: 'Allow' | 'Deny', resource: string) {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
  };
}

/** The token from the Authorization header (any case) or the `token` query parameter. */
function tokenOf(event: APIGatewayRequestAuthorizerEvent): string | undefined {
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (name.toLowerCase() !== 'authorization' || !value) continue;
    const match = value.match(/^Bearer\s+(\S+)\s*$/i);
    if (match) return match[1];
  }
  const query = event.queryStringParameters?.token;
  return query ? query : undefined;
}

export function createWsAuthorizerHandler(deps: WsAuthorizerDeps) {
  const logger = deps.logger ?? new Logger({ serviceName: 'ws-authorizer' });

  return async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<WsAuthorizerResult> {
    const resource = event.methodArn;
    const deny = (reason: string) => {
      logger.info('connection denied', { reason });
      return policy('anonymous', 'Deny', resource);
    };
    const token = tokenOf(event);
    if (!token) return deny('missing_token');
    let tokens: TokenService;
    try {
      tokens = await deps.tokens();
    } catch (error) {
      // The message may name roles or resources; the name (e.g. AccessDeniedException) is enough.
      logger.warn('token service unavailable', { errorName: (error as Error)?.name ?? 'unknown' });
      return deny('token_service_unavailable');
    }
    let claims: Awaited<ReturnType<TokenService['verifyStreamToken']>>;
    try {
      claims = await tokens.verifyStreamToken(token);
    } catch (error) {
      if (error instanceof AppError) return deny(error.code);
      throw error;
    }
    const stream = await deps.streams.get(claims.accountId, claims.stream);
    if (!stream || stream.enabled === false) return deny('stream_gone');
    if (!(stream.credentials ?? []).some((credential) => credential.clientId === claims.clientId)) {
      return deny('client_not_of_stream');
    }
    return {
      ...policy(claims.clientId, 'Allow', resource),
      context: { accountId: claims.accountId, stream: claims.stream, clientId: claims.clientId },
    };
  };
}

let cached: ReturnType<typeof createWsAuthorizerHandler> | undefined;

/** Lambda entry point; dependencies are built from the environment on first use. */
export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<WsAuthorizerResult> {
  cached ??= createWsAuthorizerHandler({
    streams: new StreamsRepo({ doc: dynamoDocumentClient(), table: requiredEnv('STREAMS_TABLE') }),
    tokens: getTokenService,
  });
  return cached(event);
}
