import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { StreamsRepo } from '../aws/streams-repo';
import { getTokenService } from '../aws/system-secrets';
import { UserSessionsRepo } from '../aws/user-sessions-repo';
import { bearerTokenOf } from '../http/request';
import { lambdaEntryPoint } from '../runtime/entry-point';
import {
  type AuthorizeSubscriberPorts,
  authorizeSubscriber,
  type Subscriber,
} from '../use-cases/authorize-subscriber';

/**
 * WebSocket `$connect` REQUEST authorizer. The stream token comes from `Authorization: Bearer …` or, since
 * browsers cannot set headers on a WebSocket upgrade, from `?token=…`. A refusal is a Deny policy with no
 * context (API Gateway answers 403), never a thrown 'Unauthorized' (401): a Deny carries nothing a caller
 * could use. Infrastructure failures are thrown (API Gateway answers 500, the client can retry).
 */
export interface WsAuthorizerDeps extends AuthorizeSubscriberPorts {
  logger?: Logger;
}

export type WsAuthorizerContext = Subscriber;

export type WsAuthorizerResult = APIGatewayAuthorizerResult & { context?: WsAuthorizerContext };

export type WsAuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent) => Promise<WsAuthorizerResult>;

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
    const token = bearerTokenOf(value);
    if (token) return token;
  }
  return event.queryStringParameters?.token || undefined;
}

export function createWsAuthorizerHandler(deps: WsAuthorizerDeps): WsAuthorizerHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'ws-authorizer' });
  return async (event) => {
    const decision = await authorizeSubscriber(deps, tokenOf(event));
    if (decision.allowed) {
      const { subscriber } = decision;
      return { ...policy(subscriber.clientId, 'Allow', event.methodArn), context: { ...subscriber } };
    }
    if (decision.reason === 'token_service_unavailable') {
      // The failure's message may name roles or resources; its name (e.g. AccessDeniedException) is enough.
      logger.warn('token service unavailable', { errorName: decision.errorName });
    }
    logger.info('connection denied', { reason: decision.reason });
    return policy('anonymous', 'Deny', event.methodArn);
  };
}

export const handler = lambdaEntryPoint('ws-authorizer', () => {
  const doc = dynamoDocumentClient();
  return createWsAuthorizerHandler({
    streams: new StreamsRepo({ doc, table: requiredEnv('STREAMS_TABLE') }),
    sessions: new UserSessionsRepo({ doc, table: requiredEnv('ACCOUNTS_TABLE') }),
    tokens: getTokenService,
  });
});
