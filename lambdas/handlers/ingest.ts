import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AccountContracts, type CustomContractSource } from '../aws/account-contracts';
import { dynamoDocumentClient, kinesisClient } from '../aws/clients';
import { numberEnv, requiredEnv } from '../aws/config';
import { ContractsRepo } from '../aws/contracts-repo';
import { KinesisEventPublisher } from '../aws/event-publisher';
import { keyLinkStorageFromEnv } from '../aws/key-link-storage';
import { StreamsRepo } from '../aws/streams-repo';
import { getLookupSecret, getTokenService } from '../aws/system-secrets';
import { CachedLoader } from '../core/cached-loader';
import { AppError, ForbiddenError, UnauthorizedError, ValidationError } from '../core/errors';
import { parseIncomingEvent, sealEvent } from '../core/event-crypto';
import { envelopeRecord } from '../core/event-envelope';
import { keyLinkScopeOf } from '../core/key-link-scope';
import { KeyLinkResolver } from '../core/key-links';
import { keyedHash } from '../core/keyed-hash';
import { onceSucceeded } from '../core/once-succeeded';
import type { StreamRecord } from '../core/stream-definition';
import { newStrmStamp } from '../core/strm-meta';
import type { StreamClaims } from '../core/tokens';
import { bearerToken, bodyBytes, header } from '../http/request';
import { noContent, textError } from '../http/responses';

/** How long a stream record is trusted in a warm process (disabling a stream takes effect within this). */
export const STREAM_CACHE_TTL_MS = 5_000;
const HOUR_MS = 60 * 60 * 1000;

export interface IngestDeps {
  tokens: { verifyStreamToken(token: string): Promise<StreamClaims> };
  streams: { get(accountId: string, name: string): Promise<StreamRecord | undefined> };
  contracts: AccountContracts;
  keyLinks: Pick<KeyLinkResolver, 'forKeyFieldValue'>;
  /** Secret for the keyed hash of data-subject values. */
  lookupSecret: Uint8Array;
  publisher: Pick<KinesisEventPublisher, 'publish'>;
  /** Key-link lifetime for streams that do not set `keyRotationHours` (24). */
  defaultRotationHours?: number;
  now?: () => number;
  logger?: Logger;
}

export type IngestHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * `POST /event`: authenticate the stream token, validate the event against its contract, encrypt every
 * PII field with the key link of its key-field value, and answer 204 once Kinesis has the record.
 */
export function createIngestHandler(deps: IngestDeps): IngestHandler {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? new Logger({ serviceName: 'ingest' });
  const defaultRotationHours = deps.defaultRotationHours ?? 24;
  const streams = new CachedLoader<string, StreamRecord | undefined>({
    ttlMs: STREAM_CACHE_TTL_MS,
    capacity: 10_000,
    now,
  });

  /** Parses the event; a contract unknown to this warm process may be new, so reload once and retry. */
  async function parseWithFreshContracts(body: string, accountId: string) {
    try {
      return parseIncomingEvent(body, await deps.contracts.lookupFor(accountId));
    } catch (error) {
      if (!(error instanceof ValidationError && error.code === 'unknown_contract')) throw error;
      if (!deps.contracts.refresh(accountId)) throw error;
      return parseIncomingEvent(body, await deps.contracts.lookupFor(accountId));
    }
  }

  /** The token's stream, cached; reloaded once when the cached record does not know the token's client. */
  async function streamOf(claims: StreamClaims): Promise<StreamRecord | undefined> {
    const key = `${claims.accountId}\u0000${claims.stream}`;
    const load = () => deps.streams.get(claims.accountId, claims.stream);
    const cached = await streams.get(key, load);
    if (!cached || hasCredential(cached, claims.clientId)) return cached;
    streams.delete(key);
    return streams.get(key, load);
  }

  async function handle(request: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const token = bearerToken(request);
    if (!token) throw new UnauthorizedError('missing bearer token');
    let claims: StreamClaims;
    try {
      claims = await deps.tokens.verifyStreamToken(token);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new UnauthorizedError('invalid or expired token');
    }
    if (claims.derived) throw new ForbiddenError('events can only be sent to a source stream');

    const stream = await streamOf(claims);
    if (!stream?.enabled) throw new ForbiddenError('the stream does not exist or is disabled');
    // A token outlives neither its credentials nor its stream: a stream deleted and created again under
    // the same name has new credentials.
    if (!hasCredential(stream, claims.clientId)) {
      throw new UnauthorizedError('the credentials of this token no longer belong to the stream');
    }
    if (stream.linkedStream) throw new ForbiddenError('events can only be sent to a source stream');

    const serialization = mediaType(header(request, 'strm-serialization-type'));
    if (serialization !== undefined && serialization !== 'application/json') {
      throw new ValidationError('unsupported serialization type');
    }

    const body = bodyBytes(request).toString('utf8');
    const incoming = await parseWithFreshContracts(body, claims.accountId);

    const options: { rotationMs: number; dataSubjectHash?: string } = {
      rotationMs: (stream.keyRotationHours ?? defaultRotationHours) * HOUR_MS,
    };
    if (incoming.dataSubject !== undefined) {
      options.dataSubjectHash = keyedHash(deps.lookupSecret, claims.accountId, incoming.dataSubject);
    }
    // Keys belong to this incarnation of the stream: one deleted and created again under the same name
    // must not reuse (and so link its events to) the old stream's key links.
    const scope = keyLinkScopeOf(stream);
    const { keyLinkId, aead } = await deps.keyLinks.forKeyFieldValue(scope, incoming.keyFieldValue, options);

    const sealed = sealEvent(incoming, aead, newStrmStamp(keyLinkId, now()));
    await deps.publisher.publish(
      envelopeRecord(
        { ...stream, stream: stream.name, contractRef: incoming.contract.ref },
        sealed,
        keyLinkId,
      ),
    );
    return noContent();
  }

  return async (request) => {
    try {
      return await handle(request);
    } catch (error) {
      // Only the error's name: messages of unexpected errors are not guaranteed free of event content.
      if (!(error instanceof AppError)) logger.error('ingest failed', { errorName: nameOf(error) });
      return textError(error);
    }
  };
}

/** `application/json; charset=utf-8` → `application/json`; undefined when the header is absent or empty. */
function mediaType(value: string | undefined): string | undefined {
  const type = value?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

function hasCredential(stream: StreamRecord, clientId: string): boolean {
  return stream.credentials.some((c) => c.clientId === clientId);
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Builds the handler from the environment once per process (a failed build is retried next time). */
const buildFromEnv = onceSucceeded(async (): Promise<IngestHandler> => {
  const dynamo = dynamoDocumentClient();
  const [tokens, lookupSecret] = await Promise.all([getTokenService(), getLookupSecret()]);
  const keyLinks = new KeyLinkResolver({ ...keyLinkStorageFromEnv(), lookupSecret });
  const contractsRepo: CustomContractSource = new ContractsRepo({
    doc: dynamo,
    table: requiredEnv('CONTRACTS_TABLE'),
  });
  return createIngestHandler({
    tokens,
    streams: new StreamsRepo({ doc: dynamo, table: requiredEnv('STREAMS_TABLE') }),
    contracts: new AccountContracts(contractsRepo),
    keyLinks,
    lookupSecret,
    publisher: new KinesisEventPublisher({
      kinesis: kinesisClient(),
      streamName: requiredEnv('SOURCE_EVENTS_STREAM'),
    }),
    defaultRotationHours: numberEnv('KEY_ROTATION_HOURS', 24),
  });
});

/** Lambda entry point (HTTP API payload v2). */
export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  let ingest: IngestHandler;
  try {
    ingest = await buildFromEnv();
  } catch (error) {
    new Logger({ serviceName: 'ingest' }).error('ingest could not start', { errorName: nameOf(error) });
    return textError(error);
  }
  return ingest(event);
}
