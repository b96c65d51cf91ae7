import { randomBytes, randomUUID } from 'node:crypto';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AccountContracts } from '../../../lambdas/aws/account-contracts';
import { AccountSchemas } from '../../../lambdas/aws/account-schemas';
import { ContractsRepo } from '../../../lambdas/aws/contracts-repo';
import { KinesisEventPublisher } from '../../../lambdas/aws/event-publisher';
import { DynamoKeyLinkStore } from '../../../lambdas/aws/key-link-store';
import { KmsKeyEncryptionKeys } from '../../../lambdas/aws/kms-key-encryption-keys';
import { SchemasRepo } from '../../../lambdas/aws/schemas-repo';
import { StreamsRepo } from '../../../lambdas/aws/streams-repo';
import { UsageRepo } from '../../../lambdas/aws/usage-repo';
import { KeyLinkResolver } from '../../../lambdas/core/key-links';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import { TokenService } from '../../../lambdas/core/tokens';
import { createDecrypterHandler } from '../../../lambdas/handlers/decrypter';
import { createIngestHandler } from '../../../lambdas/handlers/ingest';
import { ingestRequest, kinesisEvent, type StreamRecordData } from '../../support/data-path-events';
import { startTestEmulators, type TestEmulators } from '../../support/emulators';

export { ingestRequest, kinesisEvent };

/**
 * The test emulators (test/support/emulators.ts) with the local tables and event streams, plus builders
 * for the real data-path handlers wired to them.
 */
export interface DataPathEnv {
  /** The emulators: endpoints, resource names, and `env` (the handlers' environment variables). */
  emulators: TestEmulators;
  kinesis: KinesisClient;
  dynamo: DynamoDBDocumentClient;
  kms: KMSClient;
  kmsKeyId: string;
  tables: TestEmulators['tables'];
  sourceStream: string;
  derivedStream: string;
  tokens: TokenService;
  signingKey: Uint8Array;
  lookupSecret: Uint8Array;
  streamsRepo: StreamsRepo;
  close(): Promise<void>;
}

export async function startDataPathEnv(): Promise<DataPathEnv> {
  const emulators = await startTestEmulators({ setEnv: false });
  const signingKey = randomBytes(32);
  return {
    emulators,
    kinesis: emulators.kinesis,
    dynamo: emulators.doc,
    kms: emulators.kms,
    kmsKeyId: emulators.kmsKeyId,
    tables: emulators.tables,
    sourceStream: emulators.streams.sourceEvents,
    derivedStream: emulators.streams.derivedEvents,
    tokens: new TokenService({ signingKey, kid: 'test', issuer: 'privacy-streams' }),
    signingKey,
    lookupSecret: randomBytes(32),
    streamsRepo: new StreamsRepo({ doc: emulators.doc, table: emulators.tables.streams }),
    close: () => emulators.stop(),
  };
}

/** A key-link resolver as a fresh process would build it (own caches). */
export function newResolver(env: DataPathEnv): KeyLinkResolver {
  return new KeyLinkResolver({
    store: new DynamoKeyLinkStore({ doc: env.dynamo, table: env.tables.keyLinks }),
    keks: new KmsKeyEncryptionKeys({
      doc: env.dynamo,
      kms: env.kms,
      table: env.tables.keyLinks,
      kmsKeyId: env.kmsKeyId,
    }),
    lookupSecret: env.lookupSecret,
  });
}

/** The ingest handler of one "process", wired to the emulators. */
export function newIngest(env: DataPathEnv, resolver = newResolver(env)) {
  return createIngestHandler({
    tokens: env.tokens,
    streams: env.streamsRepo,
    contracts: new AccountContracts({
      source: new ContractsRepo({ doc: env.dynamo, table: env.tables.contracts }),
    }),
    schemas: new AccountSchemas({
      source: new SchemasRepo({ doc: env.dynamo, table: env.tables.contracts }),
    }),
    keyLinks: resolver,
    lookupSecret: env.lookupSecret,
    publisher: new KinesisEventPublisher({ kinesis: env.kinesis, streamName: env.sourceStream }),
  });
}

export function newDecrypter(env: DataPathEnv, resolver = newResolver(env)) {
  return createDecrypterHandler({
    streams: env.streamsRepo,
    contracts: new AccountContracts({
      source: new ContractsRepo({ doc: env.dynamo, table: env.tables.contracts }),
    }),
    keyLinks: resolver,
    publisher: new KinesisEventPublisher({
      kinesis: env.kinesis,
      streamName: env.derivedStream,
      baseDelayMs: 1,
    }),
    usage: new UsageRepo({ doc: env.dynamo, table: env.tables.usage }),
  });
}

/** Creates a stream record (with a credential) through the real streams repository. */
export async function createStreamRecord(
  env: DataPathEnv,
  accountId: string,
  fields: Partial<StreamRecord> & { name: string },
): Promise<{ stream: StreamRecord; clientId: string }> {
  const clientId = randomUUID();
  const stream: StreamRecord = {
    accountId,
    description: '',
    tags: [],
    enabled: true,
    createdAt: new Date().toISOString(),
    credentials: [{ clientId }],
    ...fields,
  };
  if (!stream.linkedStream && stream.keyRotationHours === undefined) stream.keyRotationHours = 24;
  await env.streamsRepo.create(stream, { clientId, secretHash: 'not-used-here' });
  return { stream, clientId };
}

/** A stream access token for a stream, as `POST /auth/token` would issue it. */
export async function streamToken(env: DataPathEnv, stream: StreamRecord, clientId: string): Promise<string> {
  const issued = await env.tokens.issueStreamTokens({
    clientId,
    accountId: stream.accountId,
    stream: stream.name,
    derived: stream.linkedStream !== undefined,
  });
  return issued.accessToken;
}

/** A record read back from a stream. */
export type StoredRecord = StreamRecordData;

/** Every record currently on a stream (all shards, from TRIM_HORIZON), in shard then sequence order. */
export async function readAllRecords(env: DataPathEnv, streamName: string): Promise<StoredRecord[]> {
  const { StreamDescription } = await env.kinesis.send(new DescribeStreamCommand({ StreamName: streamName }));
  const records: StoredRecord[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    const { ShardIterator } = await env.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = ShardIterator;
    while (iterator) {
      const page = await env.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records ?? []) {
        records.push({
          sequenceNumber: record.SequenceNumber!,
          partitionKey: record.PartitionKey!,
          data: record.Data!,
          arrivalSeconds: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
          shardId: shard.ShardId!,
        });
      }
      if (!page.Records?.length || !page.MillisBehindLatest) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
