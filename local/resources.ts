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
import { localDynamoClient, localKinesisClient } from './local-clients';

/** Names of the local tables and streams; the stack's environment and the tests use these. */
export const LOCAL_TABLES = {
  accounts: 'ps-accounts',
  streams: 'ps-streams',
  contracts: 'ps-contracts',
  keyLinks: 'ps-key-links',
  connections: 'ps-connections',
  usage: 'ps-usage',
} as const;

export const LOCAL_STREAMS = {
  sourceEvents: 'ps-source-events',
  derivedEvents: 'ps-derived-events',
} as const;

export const CONNECTIONS_BY_STREAM_INDEX = 'byStream';
export const LOCAL_SHARD_COUNT = 2;

/** The handlers' resource-name variables (docs/architecture.md) for the local tables, streams and key. */
export function resourceEnv(kmsKeyId: string): Record<string, string> {
  return {
    ACCOUNTS_TABLE: LOCAL_TABLES.accounts,
    STREAMS_TABLE: LOCAL_TABLES.streams,
    CONTRACTS_TABLE: LOCAL_TABLES.contracts,
    KEY_LINKS_TABLE: LOCAL_TABLES.keyLinks,
    CONNECTIONS_TABLE: LOCAL_TABLES.connections,
    USAGE_TABLE: LOCAL_TABLES.usage,
    SOURCE_EVENTS_STREAM: LOCAL_STREAMS.sourceEvents,
    DERIVED_EVENTS_STREAM: LOCAL_STREAMS.derivedEvents,
    KMS_KEY_ID: kmsKeyId,
  };
}

function tableDefinition(name: string): CreateTableCommandInput {
  const base: CreateTableCommandInput = {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  };
  if (name !== LOCAL_TABLES.connections) return base;
  return {
    ...base,
    AttributeDefinitions: [
      ...(base.AttributeDefinitions ?? []),
      { AttributeName: 'streamKey', AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: CONNECTIONS_BY_STREAM_INDEX,
        KeySchema: [{ AttributeName: 'streamKey', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not become ACTIVE`);
}

/** Creates the tables and streams that do not exist yet and waits until all are ACTIVE (idempotent). */
export async function ensureLocalResources(endpoints: {
  kinesisUrl: string;
  dynamodbUrl: string;
}): Promise<void> {
  const dynamo = localDynamoClient(endpoints.dynamodbUrl);
  const kinesis = localKinesisClient(endpoints.kinesisUrl);
  try {
    for (const table of Object.values(LOCAL_TABLES)) {
      try {
        await dynamo.send(new CreateTableCommand(tableDefinition(table)));
      } catch (err) {
        if (!(err instanceof TableInUseException)) throw err;
      }
    }
    for (const stream of Object.values(LOCAL_STREAMS)) {
      try {
        await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: LOCAL_SHARD_COUNT }));
      } catch (err) {
        if (!(err instanceof StreamInUseException)) throw err;
      }
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
