import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { BillingIdsRepo } from '../aws/billing-ids-repo';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { StreamsRepo } from '../aws/streams-repo';
import { getTokenService } from '../aws/system-secrets';
import { AppError, errorName } from '../core/errors';
import { attemptsBasicAuthentication, parseTokenRequest } from '../http/oauth2-request';
import { oauthErrorResponse, postOnly, tokenResponse } from '../http/oauth2-response';
import { streamTokenFailureLimit, streamTokenRateLimit } from '../http/stream-token-rate-limit';
import { lambdaEntryPoint } from '../runtime/entry-point';
import { issueStreamToken, type StreamTokenPorts } from '../use-cases/issue-stream-token';

/**
 * `POST /auth/token` and the Keycloak path of the original (`/auth/realms/streams/protocol/openid-connect/
 * token`): OAuth2 token endpoint for stream clients (client credentials and refresh grants). Answers
 * OAuth2-style errors `{error, error_description}`.
 */
export interface TokenHandlerDeps extends StreamTokenPorts {
  logger?: Logger;
}

export type TokenHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export function createTokenHandler(deps: TokenHandlerDeps): TokenHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'token' });
  const now = deps.now ?? Date.now;
  return async (event) => {
    try {
      if ((event.requestContext?.http?.method ?? 'POST') !== 'POST') return postOnly();
      const grant = parseTokenRequest(event);
      const { claims, tokens } = await issueStreamToken(deps, grant);
      logger.info('stream token issued', { grant: grant.grantType, clientId: claims.clientId });
      return tokenResponse(tokens, now());
    } catch (error) {
      if (error instanceof AppError) logger.info('token request rejected', { error: error.code });
      else logger.error('token request failed', { errorName: errorName(error) });
      return oauthErrorResponse(error, { basicAttempted: attemptsBasicAuthentication(event) });
    }
  };
}

export const handler = lambdaEntryPoint('token', () => {
  const doc = dynamoDocumentClient();
  return createTokenHandler({
    streams: new StreamsRepo({ doc, table: requiredEnv('STREAMS_TABLE') }),
    billingIds: new BillingIdsRepo({ doc, table: requiredEnv('ACCOUNTS_TABLE') }),
    tokens: getTokenService,
    rateLimit: streamTokenRateLimit(),
    failureLimit: streamTokenFailureLimit(),
  });
});
