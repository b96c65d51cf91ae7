import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { emulatorEnv, startEmulators } from '../../local/emulators';
import {
  LOCAL_REGION,
  type LocalCredentials,
  localDynamoClient,
  localKinesisClient,
} from '../../local/local-clients';
import {
  ensureLocalResources,
  LOCAL_BUCKETS,
  LOCAL_STREAMS,
  LOCAL_TABLES,
  resourceEnv,
} from '../../local/resources';

/**
 * For integration tests: kinesalite, dynalite, the local KMS server and the S3 API in this process on 127.0.0.1
 * port 0 (in memory), with the local tables and streams created, SDK clients for them, and (unless
 * `setEnv: false`) the handlers' environment set. The one way tests start emulators and create resources.
 *
 *   let emu: TestEmulators;
 *   beforeAll(async () => { emu = await startTestEmulators(); });
 *   afterAll(() => emu.stop());
 */
export interface TestEmulators {
  kinesisUrl: string;
  dynamodbUrl: string;
  kmsUrl: string;
  kmsKeyId: string;
  kmsKeyArn: string;
  /** The only credentials the emulators accept (new at every start). */
  credentials: LocalCredentials;
  s3Url: string;
  tables: typeof LOCAL_TABLES;
  streams: typeof LOCAL_STREAMS;
  buckets: typeof LOCAL_BUCKETS;
  /** Clients for the emulators; stop() destroys them. */
  kinesis: KinesisClient;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  kms: KMSClient;
  /** Path-style, as the handlers' S3 client is locally. */
  s3: S3Client;
  /** The variables for process.env (endpoints, region, credentials, resource names); set unless setEnv is false. */
  env: Record<string, string>;
  /**
   * Creates an empty table under a fresh name with the same keys and indexes as one of the local tables,
   * for tests that need a table nobody else wrote to. Returns its name.
   */
  createEmptyTableLike(table: keyof typeof LOCAL_TABLES): Promise<string>;
  /** Destroys the clients, closes the servers and restores the previous environment. */
  stop(): Promise<void>;
}

export interface TestEmulatorOptions {
  /** Set the handlers' environment in process.env (restored by stop()); default true. */
  setEnv?: boolean;
}

export async function startTestEmulators(opts: TestEmulatorOptions = {}): Promise<TestEmulators> {
  const emulators = await startEmulators();
  try {
    await ensureLocalResources(emulators);
  } catch (err) {
    await emulators.close();
    throw err;
  }
  const env = { ...emulatorEnv(emulators), ...resourceEnv(emulators.kmsKeyArn) };
  const previous = new Map<string, string | undefined>();
  if (opts.setEnv ?? true) {
    for (const [name, value] of Object.entries(env)) {
      previous.set(name, process.env[name]);
      process.env[name] = value;
    }
  }
  const { credentials } = emulators;
  const kinesis = localKinesisClient({ endpoint: emulators.kinesisUrl, credentials });
  const dynamo = localDynamoClient({ endpoint: emulators.dynamodbUrl, credentials });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const kms = new KMSClient({
    endpoint: emulators.kmsUrl,
    region: LOCAL_REGION,
    credentials,
  });
  const s3 = new S3Client({
    endpoint: emulators.s3Url,
    region: LOCAL_REGION,
    credentials: emulators.credentials,
    forcePathStyle: true,
  });

  return {
    kinesisUrl: emulators.kinesisUrl,
    dynamodbUrl: emulators.dynamodbUrl,
    kmsUrl: emulators.kmsUrl,
    kmsKeyId: emulators.kmsKeyId,
    kmsKeyArn: emulators.kmsKeyArn,
    credentials,
    s3Url: emulators.s3Url,
    tables: LOCAL_TABLES,
    streams: LOCAL_STREAMS,
    buckets: LOCAL_BUCKETS,
    kinesis,
    dynamo,
    doc,
    kms,
    s3,
    env,
    async createEmptyTableLike(table) {
      // Copied from the live local table, so local/resources.ts stays the only table definition.
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: LOCAL_TABLES[table] }));
      const name = `${LOCAL_TABLES[table]}-${randomUUID().slice(0, 8)}`;
      await dynamo.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: Table?.AttributeDefinitions,
          KeySchema: Table?.KeySchema,
          GlobalSecondaryIndexes: Table?.GlobalSecondaryIndexes?.map(
            ({ IndexName, KeySchema, Projection }) => ({
              IndexName,
              KeySchema,
              Projection,
            }),
          ),
        }),
      );
      await waitUntilTableExists({ client: dynamo, maxWaitTime: 10, minDelay: 1 }, { TableName: name });
      return name;
    },
    async stop() {
      kinesis.destroy();
      dynamo.destroy();
      kms.destroy();
      s3.destroy();
      for (const [name, value] of previous) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await emulators.close();
    },
  };
}
