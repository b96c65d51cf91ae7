import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  ResourceInUseException as TableInUseException,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  ResourceInUseException as StreamInUseException,
} from '@aws-sdk/client-kinesis';
import type { KeyAttribute, TableName } from '../lambdas/aws/tables';
import { type EventStreamName, TOPOLOGY } from '../lib/topology';
import type { BucketName } from '../lib/topology-types';
import { type LocalCredentials, localDynamoClient, localKinesisClient } from './local-clients';
import { localBucketName, localStreamName, localTableName } from './local-names';

/**
 * The topology's tables (keys, indexes) and event streams in the local emulators. dynalite has no
 * UpdateTimeToLive, so tables do not expire items locally; the readers filter expired items anyway.
 */

const TABLE_NAMES = Object.keys(TOPOLOGY.tables) as TableName[];
const STREAM_NAMES = Object.keys(TOPOLOGY.eventStreams) as EventStreamName[];
const BUCKET_NAMES = Object.keys(TOPOLOGY.buckets) as BucketName[];

/** Local table names by topology table, e.g. `keyLinks → ps-key-links`. */
export const LOCAL_TABLES = Object.fromEntries(TABLE_NAMES.map((t) => [t, localTableName(t)])) as Readonly<
  Record<TableName, string>
>;

/** Local stream names by topology stream, e.g. `sourceEvents → ps-source-events`. */
export const LOCAL_STREAMS = Object.fromEntries(STREAM_NAMES.map((s) => [s, localStreamName(s)])) as Readonly<
  Record<EventStreamName, string>
>;

/** Local bucket names by topology bucket, e.g. `exports → ps-exports` (the S3 emulator creates them at start). */
export const LOCAL_BUCKETS = Object.fromEntries(BUCKET_NAMES.map((b) => [b, localBucketName(b)])) as Readonly<
  Record<BucketName, string>
>;

/**
 * Every resource-name variable of the topology (all tables, all streams, all buckets, the key) for the local
 * resources: what tests need that run several handlers in one process. The local stack itself gives
 * each function only its own variables (local/function-env.ts).
 */
export function resourceEnv(kmsKeyId: string): Record<string, string> {
  return {
    ...Object.fromEntries(TABLE_NAMES.map((t) => [TOPOLOGY.tables[t].envVar, LOCAL_TABLES[t]])),
    ...Object.fromEntries(STREAM_NAMES.map((s) => [TOPOLOGY.eventStreams[s].envVar, LOCAL_STREAMS[s]])),
    ...Object.fromEntries(BUCKET_NAMES.map((b) => [TOPOLOGY.buckets[b].envVar, LOCAL_BUCKETS[b]])),
    [TOPOLOGY.accessEnvVars.kmsKey]: kmsKeyId,
  };
}

const definition = (key: KeyAttribute) => ({ AttributeName: key.name, AttributeType: key.type });

/** CreateTable input for a topology table: its keys and global secondary indexes. */
export function tableDefinition(table: TableName): CreateTableCommandInput {
  const schema = TOPOLOGY.tables[table];
  const indexes = schema.globalSecondaryIndexes ?? [];
  const keyAttributes = [
    schema.partitionKey,
    ...(schema.sortKey ? [schema.sortKey] : []),
    ...indexes.flatMap((i) => [i.partitionKey, ...(i.sortKey ? [i.sortKey] : [])]),
  ];
  const unique = [...new Map(keyAttributes.map((k) => [k.name, k])).values()];
  const keySchema = (partition: KeyAttribute, sort?: KeyAttribute) => [
    { AttributeName: partition.name, KeyType: 'HASH' as const },
    ...(sort ? [{ AttributeName: sort.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: LOCAL_TABLES[table],
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: unique.map(definition),
    KeySchema: keySchema(schema.partitionKey, schema.sortKey),
    ...(indexes.length > 0
      ? {
          GlobalSecondaryIndexes: indexes.map((i) => ({
            IndexName: i.indexName,
            KeySchema: keySchema(i.partitionKey, i.sortKey),
            Projection: { ProjectionType: i.projection },
          })),
        }
      : {}),
  };
}

async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not become ACTIVE`);
}

async function ignoreInUse(create: Promise<unknown>, inUse: new (...args: never[]) => Error): Promise<void> {
  try {
    await create;
  } catch (err) {
    if (!(err instanceof inUse)) throw err;
  }
}

/** Creates the tables and streams that do not exist yet and waits until all are ACTIVE (idempotent). */
export async function ensureLocalResources(endpoints: {
  kinesisUrl: string;
  dynamodbUrl: string;
  credentials: LocalCredentials;
}): Promise<void> {
  const { credentials } = endpoints;
  const dynamo = localDynamoClient({ endpoint: endpoints.dynamodbUrl, credentials });
  const kinesis = localKinesisClient({ endpoint: endpoints.kinesisUrl, credentials });
  try {
    for (const table of TABLE_NAMES) {
      await ignoreInUse(dynamo.send(new CreateTableCommand(tableDefinition(table))), TableInUseException);
    }
    for (const stream of STREAM_NAMES) {
      const input = {
        StreamName: LOCAL_STREAMS[stream],
        ShardCount: TOPOLOGY.eventStreams[stream].local.shards,
      };
      await ignoreInUse(kinesis.send(new CreateStreamCommand(input)), StreamInUseException);
    }
    for (const table of Object.values(LOCAL_TABLES)) {
      await waitUntil(async () => {
        const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: table }));
        return Table?.TableStatus === 'ACTIVE';
      }, `table ${table}`);
    }
    for (const stream of Object.values(LOCAL_STREAMS)) {
      await waitUntil(async () => {
        const { StreamDescriptionSummary } = await kinesis.send(
          new DescribeStreamSummaryCommand({ StreamName: stream }),
        );
        return StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
      }, `stream ${stream}`);
    }
  } finally {
    dynamo.destroy();
    kinesis.destroy();
  }
}
