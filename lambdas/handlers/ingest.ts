import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AccountContracts } from '../aws/account-contracts';
import { dynamoDocumentClient, kinesisClient } from '../aws/clients';
import { numberEnv, requiredEnv } from '../aws/config';
import { ContractsRepo } from '../aws/contracts-repo';
import { KinesisEventPublisher } from '../aws/event-publisher';
import { keyLinkResolverFromEnv } from '../aws/key-link-storage';
import { StreamsRepo } from '../aws/streams-repo';
import { getLookupSecret, getTokenService } from '../aws/system-secrets';
import { AppError, errorName, UnauthorizedError } from '../core/errors';
import { decodeEvent, parseSerializationType } from '../core/event-serialization';
import { bearerToken, bodyBytes, header } from '../http/request';
import { noContent, textError } from '../http/responses';
import { lambdaEntryPoint } from '../runtime/entry-point';
import { type AcceptEventPorts, EventAcceptor } from '../use-cases/accept-event';

export interface IngestDeps extends AcceptEventPorts {
  logger?: Pick<Logger, 'error'>;
}

export type IngestHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** `POST /event`: the producer's token, the body decoded by its serialization type, accepted → 204. */
export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'ingest' });
  const acceptor = new EventAcceptor(deps);
  return async (request) => {
    try {
      const token = bearerToken(request);
      if (!token) throw new UnauthorizedError('missing bearer token');
      const stream = await acceptor.sourceStreamOf(token);
      const serialization = parseSerializationType(header(request, 'strm-serialization-type'));
      await acceptor.accept(stream, decodeEvent(bodyBytes(request), serialization));
      return noContent();
    } catch (error) {
      // Only the error's name: messages of unexpected errors are not guaranteed free of event content.
      if (!(error instanceof AppError)) logger.error('ingest failed', { errorName: errorName(error) });
      return textError(error);
    }
  };
}

async function ingestFromEnv(): Promise<IngestHandler> {
  const doc = dynamoDocumentClient();
  const [tokens, lookupSecret] = await Promise.all([getTokenService(), getLookupSecret()]);
  return createIngestHandler({
    tokens,
    streams: new StreamsRepo({ doc, table: requiredEnv('STREAMS_TABLE') }),
    contracts: new AccountContracts({
      source: new ContractsRepo({ doc, table: requiredEnv('CONTRACTS_TABLE') }),
    }),
    keyLinks: keyLinkResolverFromEnv(lookupSecret),
    lookupSecret,
    publisher: new KinesisEventPublisher({
      kinesis: kinesisClient(),
      streamName: requiredEnv('SOURCE_EVENTS_STREAM'),
    }),
    defaultRotationHours: numberEnv('KEY_ROTATION_HOURS', 24),
  });
}

/** Lambda entry point (HTTP API payload v2). */
export const handler = lambdaEntryPoint('ingest', ingestFromEnv);
