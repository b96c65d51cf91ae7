import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { BillingIdsRepo } from '../aws/billing-ids-repo';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { StreamsRepo } from '../aws/streams-repo';
import { getTokenService } from '../aws/system-secrets';
import { AppError, errorName } from '../core/errors';
import { oauthErrorResponse, postOnly } from '../http/oauth2-response';
import { streamTokenFailureLimit, streamTokenRateLimit } from '../http/stream-token-rate-limit';
import { parseStsRequest, stsTokenResponse } from '../http/sts-token';
import { lambdaEntryPoint } from '../runtime/entry-point';
import { issueStreamToken, type StreamTokenPorts } from '../use-cases/issue-stream-token';

/**
 * `POST /auth` and `POST /refresh`: the Stream Machine STS of the original drivers' first era, the same
 * stream tokens as `POST /auth/token` (http/sts-token.ts has the wire format).
 */
export interface StsHandlerDeps extends StreamTokenPorts {
  logger?: Logger;
}

export type StsHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export function createStsHandler(deps: StsHandlerDeps): StsHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'sts' });
  const now = deps.now ?? Date.now;
  return async (event) => {
    try {
      if ((event.requestContext?.http?.method ?? 'POST') !== 'POST') return postOnly();
      const grant = parseStsRequest(event);
      const { claims, tokens } = await issueStreamToken(deps, grant);
      logger.info('stream token issued', { grant: `sts_${grant.grantType}`, clientId: claims.clientId });
      return stsTokenResponse(tokens, now());
    } catch (error) {
      if (error instanceof AppError) logger.info('token request rejected', { error: error.code });
      else logger.error('token request failed', { errorName: errorName(error) });
      return oauthErrorResponse(error, { basicAttempted: false });
    }
  };
}

export const handler = lambdaEntryPoint('sts', () => {
  const doc = dynamoDocumentClient();
  return createStsHandler({
    streams: new StreamsRepo({ doc, table: requiredEnv('STREAMS_TABLE') }),
    billingIds: new BillingIdsRepo({ doc, table: requiredEnv('ACCOUNTS_TABLE') }),
    tokens: getTokenService,
    rateLimit: streamTokenRateLimit(),
    failureLimit: streamTokenFailureLimit(),
  });
});
