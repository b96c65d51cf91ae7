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
import { isBatchRequest, readEventBatchBody, readEventBody } from '../http/ingest-request';
import { bearerToken } from '../http/request';
import { json, noContent, textError } from '../http/responses';
import { lambdaEntryPoint } from '../runtime/entry-point';
import { type AcceptEventPorts, EventAcceptor, type EventTarget } from '../use-cases/accept-event';
import { type AcceptBatchPorts, acceptEventBatch } from '../use-cases/accept-event-batch';
import { decodeEventBatch } from '../use-cases/decode-event-batch';
import { type DecodeEventPorts, decodeEventBody } from '../use-cases/decode-event-body';

export interface IngestDeps extends AcceptEventPorts, DecodeEventPorts {
  publisher: AcceptEventPorts['publisher'] & AcceptBatchPorts['publisher'];
  logger?: Pick<Logger, 'error'>;
}

export type IngestHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * `POST /event`: the producer's token, the body decoded by its serialization type and schema, accepted →
 * 204. `POST /events`: the same for every event of a batch body → 200 with a result per event.
 */
export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'ingest' });
  const acceptor = new EventAcceptor(deps);
  const acceptBatch = async (request: APIGatewayProxyEventV2, target: EventTarget) => {
    const items = await decodeEventBatch(deps, target.stream.accountId, readEventBatchBody(request));
    const { unexpectedErrors, ...outcome } = await acceptEventBatch(
      { acceptor, publisher: deps.publisher },
      target,
      items,
    );
    for (const name of unexpectedErrors) logger.error('ingest failed', { errorName: name });
    return json(200, outcome);
  };
  return async (request) => {
    try {
      const token = bearerToken(request);
      if (!token) throw new UnauthorizedError('missing bearer token');
      const target = await acceptor.sourceStreamOf(token);
      if (isBatchRequest(request)) return await acceptBatch(request, target);
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
