import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo, Server } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { APIGatewayProxyEventV2, KinesisStreamEvent } from 'aws-lambda';
import { AccountContracts } from '../../../lambdas/aws/account-contracts';
import { ContractsRepo } from '../../../lambdas/aws/contracts-repo';
import { KinesisEventPublisher } from '../../../lambdas/aws/event-publisher';
import { DynamoKeyLinkStore } from '../../../lambdas/aws/key-link-store';
import { KmsKeyEncryptionKeys } from '../../../lambdas/aws/kms-key-encryption-keys';
import { StreamsRepo } from '../../../lambdas/aws/streams-repo';
import { UsageRepo } from '../../../lambdas/aws/usage-repo';
import { KeyLinkResolver } from '../../../lambdas/core/key-links';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import { TokenService } from '../../../lambdas/core/tokens';
import { createDecrypterHandler } from '../../../lambdas/handlers/decrypter';
import { createIngestHandler } from '../../../lambdas/handlers/ingest';
import { startKmsServer } from '../../../local/kms-server';

/**
 * In-process kinesalite, dynalite and the local KMS server on 127.0.0.1 port 0, with the project's
 * tables and the two event streams, plus builders for the real handlers wired to them.
 */
export interface DataPathEnv {
  kinesis: KinesisClient;
  dynamo: DynamoDBDocumentClient;
  kms: KMSClient;
  kmsKeyId: string;
  /** Endpoints, for code that configures itself from AWS_ENDPOINT_URL_* variables. */
  urls: { kinesis: string; dynamo: string; kms: string };
  tables: { streams: string; contracts: string; keyLinks: string; connections: string; usage: string };
  sourceStream: string;
  derivedStream: string;
  tokens: TokenService;
  signingKey: Uint8Array;
  lookupSecret: Uint8Array;
  streamsRepo: StreamsRepo;
  close(): Promise<void>;
}

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function createTable(client: DynamoDBClient, name: string, withStreamIndex = false): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        ...(withStreamIndex ? [{ AttributeName: 'streamKey', AttributeType: 'S' as const }] : []),
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: withStreamIndex
        ? [
            {
              IndexName: 'byStream',
              KeySchema: [{ AttributeName: 'streamKey', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL' },
            },
          ]
        : undefined,
    }),
  );
}

async function createStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: name }));
    if (StreamDescription?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function startDataPathEnv(): Promise<DataPathEnv> {
  // biome-ignore lint/suspicious/noExplicitAny: the emulators ship without types
  const kinesalite: Server = (require('kinesalite') as any)({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 100,
  });
  // biome-ignore lint/suspicious/noExplicitAny: the emulators ship without types
  const dynalite: Server = (require('dynalite') as any)({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const [kinesisUrl, dynamoUrl, kmsServer] = await Promise.all([
    listen(kinesalite),
    listen(dynalite),
    startKmsServer({ port: 0, host: '127.0.0.1' }),
  ]);

  const kinesis = new KinesisClient({
    endpoint: kinesisUrl,
    region: REGION,
    credentials: CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  const rawDynamo = new DynamoDBClient({ endpoint: dynamoUrl, region: REGION, credentials: CREDENTIALS });
  const dynamo = DynamoDBDocumentClient.from(rawDynamo, { marshallOptions: { removeUndefinedValues: true } });
  const kms = new KMSClient({ endpoint: kmsServer.url, region: REGION, credentials: CREDENTIALS });

  const tables = {
    streams: 'streams',
    contracts: 'contracts',
    keyLinks: 'key-links',
    connections: 'connections',
    usage: 'usage',
  };
  await Promise.all([
    createTable(rawDynamo, tables.streams),
    createTable(rawDynamo, tables.contracts),
    createTable(rawDynamo, tables.keyLinks),
    createTable(rawDynamo, tables.connections, true),
    createTable(rawDynamo, tables.usage),
    createStream(kinesis, 'source-events', 2),
    createStream(kinesis, 'derived-events', 1),
  ]);

  const signingKey = randomBytes(32);
  return {
    kinesis,
    dynamo,
    kms,
    kmsKeyId: kmsServer.keyId,
    urls: { kinesis: kinesisUrl, dynamo: dynamoUrl, kms: kmsServer.url },
    tables,
    sourceStream: 'source-events',
    derivedStream: 'derived-events',
    tokens: new TokenService({ signingKey, kid: 'test', issuer: 'privacy-streams' }),
    signingKey,
    lookupSecret: randomBytes(32),
    streamsRepo: new StreamsRepo({ doc: dynamo, table: tables.streams }),
    async close() {
      kinesis.destroy();
      rawDynamo.destroy();
      kms.destroy();
      await Promise.all([closeServer(kinesalite), closeServer(dynalite), kmsServer.close()]);
    },
  };
}

/** A key-link resolver as a fresh process would build it (own caches). */
export function newResolver(env: DataPathEnv): KeyLinkResolver {
  return new KeyLinkResolver({
    store: new DynamoKeyLinkStore({ dynamo: env.dynamo, tableName: env.tables.keyLinks }),
    keks: new KmsKeyEncryptionKeys({
      dynamo: env.dynamo,
      kms: env.kms,
      tableName: env.tables.keyLinks,
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
    contracts: new AccountContracts(new ContractsRepo({ doc: env.dynamo, table: env.tables.contracts })),
    keyLinks: resolver,
    lookupSecret: env.lookupSecret,
    publisher: new KinesisEventPublisher({ kinesis: env.kinesis, streamName: env.sourceStream }),
  });
}

export function newDecrypter(env: DataPathEnv, resolver = newResolver(env)) {
  return createDecrypterHandler({
    streams: env.streamsRepo,
    contracts: new AccountContracts(new ContractsRepo({ doc: env.dynamo, table: env.tables.contracts })),
    keyLinks: resolver,
    publisher: new KinesisEventPublisher({
      kinesis: env.kinesis,
      streamName: env.derivedStream,
      baseDelayMs: 1,
    }),
    usage: new UsageRepo({ dynamo: env.dynamo, tableName: env.tables.usage }),
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

/** An HTTP API (payload v2) `POST /event` request. */
export function ingestRequest(
  body: string,
  headers: Record<string, string | undefined> = {},
  isBase64Encoded = false,
): APIGatewayProxyEventV2 {
  const cleaned = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  return {
    version: '2.0',
    routeKey: 'POST /event',
    rawPath: '/event',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...cleaned },
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: '/event',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId: randomUUID(),
      routeKey: 'POST /event',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded,
  };
}

export interface StoredRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  arrivalSeconds: number;
  shardId: string;
}

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

/** A Kinesis event source mapping batch of stored records, as Lambda would deliver it. */
export function kinesisEvent(records: readonly StoredRecord[], streamName: string): KinesisStreamEvent {
  return {
    Records: records.map((record) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.partitionKey,
        sequenceNumber: record.sequenceNumber,
        data: Buffer.from(record.data).toString('base64'),
        approximateArrivalTimestamp: record.arrivalSeconds,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${record.shardId}:${record.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/local',
      awsRegion: REGION,
      eventSourceARN: `arn:aws:kinesis:${REGION}:000000000000:stream/${streamName}`,
    })),
  };
}
