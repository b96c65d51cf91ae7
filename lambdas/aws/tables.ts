/**
 * The DynamoDB tables as the code relies on them: key schema, TTL attribute, secondary indexes and the
 * environment variable that hands a table's name to a function. The one definition: the CDK stack, the
 * local runtime and the adapters (index names) all read it. Item layouts are in docs/architecture.md.
 */

export interface KeyAttribute {
  readonly name: string;
  /** DynamoDB scalar type: string, number or binary. */
  readonly type: 'S' | 'N' | 'B';
}

export interface GlobalSecondaryIndexSchema {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Every index projects all attributes (the readers want whole items). */
  readonly projection: 'ALL';
}

export interface TableSchema {
  /** The variable carrying the table's name to a function that uses it, e.g. STREAMS_TABLE. */
  readonly envVar: string;
  /** Short name: the local table is `ps-<name>`; on AWS CloudFormation names the table. */
  readonly name: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Epoch-seconds attribute after which DynamoDB may delete an item (readers filter expired items too). */
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes?: readonly GlobalSecondaryIndexSchema[];
}

/** The TTL attribute of every table whose items expire. */
export const EXPIRES_AT = 'expiresAt';

/** The connections table's index of a stream's subscribers, on `streamKey = <accountId>#<streamName>`. */
export const BY_STREAM_INDEX = 'byStream';

/** The exporters table's index of a stream's batch exporters, on `streamKey = <accountId>#<streamName>`. */
export const EXPORTERS_BY_STREAM_INDEX = 'byStream';

/** The exporters table's sparse index of exporters whose shard states are not created yet. */
export const NEW_EXPORTERS_INDEX = 'newExporters';

/** The export-state table's sparse index of the shard states the scheduled tick must look at, by when. */
export const DUE_EXPORTS_INDEX = 'due';

const PK_SK = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
} as const;

export const TABLES = {
  // Failed sign-ins and sessions expire (account items carry no expiresAt).
  accounts: { envVar: 'ACCOUNTS_TABLE', name: 'accounts', ...PK_SK, timeToLiveAttribute: EXPIRES_AT },
  streams: { envVar: 'STREAMS_TABLE', name: 'streams', ...PK_SK },
  contracts: { envVar: 'CONTRACTS_TABLE', name: 'contracts', ...PK_SK },
  keyLinks: { envVar: 'KEY_LINKS_TABLE', name: 'key-links', ...PK_SK, timeToLiveAttribute: EXPIRES_AT },
  connections: {
    envVar: 'CONNECTIONS_TABLE',
    name: 'connections',
    ...PK_SK,
    timeToLiveAttribute: EXPIRES_AT,
    globalSecondaryIndexes: [
      { indexName: BY_STREAM_INDEX, partitionKey: { name: 'streamKey', type: 'S' }, projection: 'ALL' },
    ],
  },
  usage: { envVar: 'USAGE_TABLE', name: 'usage', ...PK_SK, timeToLiveAttribute: EXPIRES_AT },
  exporters: {
    envVar: 'EXPORTERS_TABLE',
    name: 'exporters',
    ...PK_SK,
    globalSecondaryIndexes: [
      {
        indexName: EXPORTERS_BY_STREAM_INDEX,
        partitionKey: { name: 'streamKey', type: 'S' },
        projection: 'ALL',
      },
      { indexName: NEW_EXPORTERS_INDEX, partitionKey: { name: 'newKey', type: 'S' }, projection: 'ALL' },
    ],
  },
  exportState: {
    envVar: 'EXPORT_STATE_TABLE',
    name: 'export-state',
    ...PK_SK,
    timeToLiveAttribute: EXPIRES_AT,
    globalSecondaryIndexes: [
      {
        indexName: DUE_EXPORTS_INDEX,
        partitionKey: { name: 'dueKey', type: 'S' },
        sortKey: { name: 'dueAt', type: 'N' },
        projection: 'ALL',
      },
    ],
  },
} as const satisfies Record<string, TableSchema>;

export type TableName = keyof typeof TABLES;
