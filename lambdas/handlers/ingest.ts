import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AccountContracts } from '../aws/account-contracts';
import { AccountSchemas } from '../aws/account-schemas';
import { dynamoDocumentClient, kinesisClient } from '../aws/clients';
import { numberEnv, requiredEnv } from '../aws/config';
import { ContractsRepo } from '../aws/contracts-repo';
import { KinesisEventPublisher } from '../aws/event-publisher';
import { keyLinkResolverFromEnv } from '../aws/key-link-storage';
import { SchemasRepo } from '../aws/schemas-repo';
import { StreamsRepo } from '../aws/streams-repo';
import { getLookupSecret, getTokenService } from '../aws/system-secrets';
import { AppError, errorName, UnauthorizedError } from '../core/errors';
import { readEventBody } from '../http/ingest-request';
import { bearerToken } from '../http/request';
import { noContent, textError } from '../http/responses';
import { lambdaEntryPoint } from '../runtime/entry-point';
import { type AcceptEventPorts, EventAcceptor } from '../use-cases/accept-event';
import { type DecodeEventPorts, decodeEventBody } from '../use-cases/decode-event-body';

export interface IngestDeps extends AcceptEventPorts, DecodeEventPorts {
  logger?: Pick<Logger, 'error'>;
}

export type IngestHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** `POST /event`: the producer's token, the body decoded by its serialization type and schema, accepted → 204. */
export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'ingest' });
  const acceptor = new EventAcceptor(deps);
  return async (request) => {
    try {
      const token = bearerToken(request);
      if (!token) throw new UnauthorizedError('missing bearer token');
      const target = await acceptor.sourceStreamOf(token);
      const event = await decodeEventBody(deps, target.stream.accountId, readEventBody(request));
      await acceptor.accept(target, event);
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
  const registry = { doc, table: requiredEnv('CONTRACTS_TABLE') };
  return createIngestHandler({
    tokens,
    streams: new StreamsRepo({ doc, table: requiredEnv('STREAMS_TABLE') }),
    contracts: new AccountContracts({ source: new ContractsRepo(registry) }),
    schemas: new AccountSchemas({ source: new SchemasRepo(registry) }),
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
