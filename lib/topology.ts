import { TABLES } from '../lambdas/aws/tables';
import { STAGING_PREFIX } from '../lambdas/core/export-files';
import type {
  BucketName,
  BucketSpec,
  EventSourceMappingSpec,
  EventStreamSpec,
  FixedEnvValue,
  FunctionSpec,
  ScheduleSpec,
  Topology,
} from './topology-types';

/**
 * The deployment, as data: functions and what they may touch, the HTTP and WebSocket routes, tables,
 * event streams and event-source mappings. The CDK stack builds it on AWS, `npm start` runs it locally,
 * the CDK tests check the template against it. Adding a function, route, table, stream, bucket or
 * schedule is one entry here (tables: lambdas/aws/tables.ts) plus its code. A `local` value is a deliberate difference of the
 * local stack and says why.
 */

const EVENT_STREAMS = {
  // local: kinesalite streams have a fixed shard count (on-demand streams on AWS scale their own).
  sourceEvents: { envVar: 'SOURCE_EVENTS_STREAM', name: 'source-events', local: { shards: 2 } },
  derivedEvents: {
    envVar: 'DERIVED_EVENTS_STREAM',
    name: 'derived-events',
    // Derived events carry decrypted PII that shredding a key link cannot reach while Kinesis retains
    // them: 24 h, the shortest retention Kinesis allows, whatever the deployment sets for the source.
    retentionHours: 24,
    local: { shards: 2 },
  },
} as const satisfies Record<string, EventStreamSpec>;

export type EventStreamName = keyof typeof EVENT_STREAMS;

const BUCKETS = {
  // Batch exporters' files (and their staged parts) for every account, under `<accountId>/`.
  exports: { envVar: 'EXPORTS_BUCKET', name: 'exports' },
} as const satisfies Record<BucketName, BucketSpec>;

/** local: the S3 emulator addresses buckets by path (`<endpoint>/<bucket>/<key>`), S3 by host name. */
const S3_FORCE_PATH_STYLE: FixedEnvValue = { value: 'false', local: 'true' };

const TOKEN_ISSUER: FixedEnvValue = {
  config: 'prefix',
  // local: the default deployment prefix, so tokens saved by the CLI stay valid across local restarts.
  local: 'privacy-streams',
};

const FUNCTIONS = {
  ingest: {
    entry: 'lambdas/handlers/ingest.ts',
    memoryMb: 512,
    timeoutSeconds: 10,
    access: {
      streams: { sourceEvents: 'write' },
      tables: { streams: ['read'], contracts: ['read'], keyLinks: ['read', 'write'] },
      kms: ['kms:GenerateDataKey', 'kms:Decrypt'],
    },
    env: { TOKEN_ISSUER },
  },
  token: {
    entry: 'lambdas/handlers/token.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    access: {
      // Key links: the KMS-wrapped token signing key lives there (created on first use). Accounts: the
      // account item's billing id, created on first use for accounts that predate it.
      tables: {
        streams: ['read'],
        keyLinks: ['read', 'write'],
        accounts: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      },
      kms: ['kms:GenerateDataKey', 'kms:Decrypt'],
    },
    env: { TOKEN_ISSUER },
  },
  // The Stream Machine STS (`/auth`, `/refresh`) of the original drivers' first era: the same tokens.
  sts: {
    entry: 'lambdas/handlers/sts.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    access: {
      tables: {
        streams: ['read'],
        keyLinks: ['read', 'write'],
        accounts: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      },
      kms: ['kms:GenerateDataKey', 'kms:Decrypt'],
    },
    env: { TOKEN_ISSUER },
  },
  management: {
    entry: 'lambdas/handlers/management.ts',
    memoryMb: 512,
    timeoutSeconds: 15,
    access: {
      tables: {
        accounts: ['read', 'write'],
        streams: ['read', 'write'],
        contracts: ['read', 'write'],
        keyLinks: ['read', 'write'],
        usage: ['read'],
        // Deleting a stream or a credential ends its subscribers: they are listed, closed and deleted.
        connections: ['read', 'dynamodb:DeleteItem'],
        exporters: ['read', 'write'],
      },
      kms: ['kms:GenerateDataKey', 'kms:Decrypt'],
      bootstrapSecret: 'read',
      webSocketConnections: 'manage',
      // Lists exported files and signs their download URLs (the URL's reader acts with this role).
      buckets: { exports: { list: true, read: '*' } },
      grantedBuckets: 'read',
    },
    env: {
      TOKEN_ISSUER,
      // local: anyone on this machine may sign up (there is no Secrets Manager for a bootstrap secret).
      SIGNUP_MODE: { value: 'bootstrap', local: 'open' },
      S3_FORCE_PATH_STYLE,
    },
  },
  health: {
    entry: 'lambdas/handlers/health.ts',
    memoryMb: 128,
    timeoutSeconds: 3,
    access: {},
  },
  decrypter: {
    entry: 'lambdas/handlers/decrypter.ts',
    memoryMb: 1024,
    timeoutSeconds: 60,
    access: {
      streams: { derivedEvents: 'write' },
      tables: { streams: ['read'], contracts: ['read'], keyLinks: ['read'], usage: ['write'] },
      kms: ['kms:GenerateDataKey', 'kms:Decrypt'],
    },
  },
  egress: {
    entry: 'lambdas/handlers/egress.ts',
    memoryMb: 512,
    timeoutSeconds: 60,
    access: {
      // Reads a stream's subscribers; deletes the ones API Gateway reports gone and those whose client id
      // the stream (read from the streams table) no longer accepts.
      tables: { connections: ['read', 'dynamodb:DeleteItem'], streams: ['read'] },
      webSocketConnections: 'manage',
    },
  },
  'ws-authorizer': {
    entry: 'lambdas/handlers/ws-authorizer.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    access: {
      // Accounts: a read token's sign-in session must still be live (a session item, by key).
      tables: { streams: ['read'], keyLinks: ['read'], accounts: ['dynamodb:GetItem'] },
      kms: ['kms:Decrypt'],
    },
    env: { TOKEN_ISSUER },
  },
  'ws-connect': {
    entry: 'lambdas/handlers/ws-connect.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    access: {
      // Accounts: a console reader's sign-in session is checked again once its connection is stored.
      tables: { connections: ['write'], accounts: ['dynamodb:GetItem'] },
    },
  },
  exporter: {
    entry: 'lambdas/handlers/exporter.ts',
    memoryMb: 1024,
    // The tick stops starting work after 40 s (handlers/exporter.ts TICK_BUDGET_MS); a file is 64 MiB at most.
    timeoutSeconds: 60,
    access: {
      // Reads the definitions, clears a new exporter's "new" mark; owns the export states.
      tables: {
        exporters: ['read', 'dynamodb:UpdateItem'],
        exportState: ['read', 'write'],
        keyLinks: ['read'],
      },
      // Backfills read the shards themselves (the mappings deliver only what arrives while an exporter is live).
      streams: { sourceEvents: 'read', derivedEvents: 'read' },
      // Key streams: a key link's key is unwrapped with its key-encryption key.
      kms: ['kms:Decrypt'],
      // Writes staged parts and files; reads and deletes only the staged parts.
      buckets: { exports: { write: '*', read: `${STAGING_PREFIX}*`, delete: `${STAGING_PREFIX}*` } },
      grantedBuckets: 'write',
    },
    env: {
      S3_FORCE_PATH_STYLE,
      // local: kinesalite never answers GetShardIterator AT_TIMESTAMP when no record is that new; a
      // backfill then reads from the oldest record and skips older ones by arrival time (the same export).
      KINESIS_AT_TIMESTAMP: { value: 'true', local: 'false' },
    },
  },
} as const satisfies Record<string, FunctionSpec<EventStreamName>>;

export type FunctionName = keyof typeof FUNCTIONS;

/** The settings both egress mappings share: live delivery only. */
const EGRESS_MAPPING = {
  function: 'egress',
  startingPosition: 'LATEST',
  batchSize: 100,
  maxBatchingWindowSeconds: 0,
  parallelizationFactor: 1,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  retryAttempts: 3,
  // An event older than an hour is no use to a subscriber.
  maxRecordAgeSeconds: 60 * 60,
  onFailure: 'failureQueue',
  // local: polled 5 times as often as Lambda does, for latency on one machine.
  local: { pollIntervalMs: 200 },
} as const;

/**
 * The settings both exporter mappings share. Every record must reach every exporter exactly once: the
 * export state decides what is new, so a batch is retried whole until it succeeds (an exporter that fails
 * is handed to backfill, which does not block the others), for as long as Kinesis keeps the records.
 */
const EXPORTER_MAPPING = {
  function: 'exporter',
  startingPosition: 'TRIM_HORIZON',
  batchSize: 5000,
  // Fewer, larger staged parts: each batch costs an S3 PUT and a state write per exporter.
  maxBatchingWindowSeconds: 10,
  parallelizationFactor: 1,
  bisectBatchOnFunctionError: false,
  // The function reports no partial failure (a failed batch throws); it answers an empty list.
  reportBatchItemFailures: true,
  retryAttempts: 10_000,
  maxRecordAgeSeconds: 7 * 24 * 60 * 60,
  onFailure: 'failureQueue',
  // local: polled 5 times as often as Lambda does; a 1 s window, for latency on one machine.
  local: { pollIntervalMs: 200, maxBatchingWindowSeconds: 1 },
} as const;

const EVENT_SOURCE_MAPPINGS: readonly EventSourceMappingSpec<FunctionName, EventStreamName>[] = [
  {
    function: 'decrypter',
    stream: 'sourceEvents',
    startingPosition: 'TRIM_HORIZON',
    batchSize: 200,
    maxBatchingWindowSeconds: 1,
    parallelizationFactor: 1,
    bisectBatchOnFunctionError: true,
    reportBatchItemFailures: true,
    retryAttempts: 3,
    maxRecordAgeSeconds: 24 * 60 * 60,
    onFailure: 'failureQueue',
    // local: polled 5 times as often as Lambda does, and no batching window (on AWS it saves invocations
    // at low rates): measured at 100 events/s, POST → frame p99 1.43 s with the 1 s window, 0.45 s without.
    local: { pollIntervalMs: 200, maxBatchingWindowSeconds: 0 },
  },
  { ...EGRESS_MAPPING, stream: 'sourceEvents' },
  { ...EGRESS_MAPPING, stream: 'derivedEvents' },
  { ...EXPORTER_MAPPING, stream: 'sourceEvents' },
  { ...EXPORTER_MAPPING, stream: 'derivedEvents' },
];

const SCHEDULES: readonly ScheduleSpec<FunctionName>[] = [
  // The export tick: files whose interval is over on quiet shards, new exporters, backfills, cleanup.
  // local: every 5 s (EventBridge schedules go down to a minute), so files of quiet streams come sooner.
  { function: 'exporter', rateMinutes: 1, local: { intervalMs: 5000 } },
];

export const TOPOLOGY: Topology<FunctionName, EventStreamName> = {
  functions: FUNCTIONS,
  commonEnv: {
    // local: worker threads take no NODE_OPTIONS; TypeScript sources map their stack traces through tsx.
    NODE_OPTIONS: { value: '--enable-source-maps', local: null },
    // local: a quieter console (the launcher's own POWERTOOLS_LOG_LEVEL wins, as tests and demos set it).
    POWERTOOLS_LOG_LEVEL: { value: 'INFO', local: 'WARN' },
  },
  accessEnvVars: {
    kmsKey: 'KMS_KEY_ID',
    // local: not set (no Secrets Manager); sign-up is open instead (SIGNUP_MODE above).
    bootstrapSecret: 'BOOTSTRAP_SECRET_ARN',
    webSocketCallbackUrl: 'WS_CALLBACK_URL',
    // local: not set (no other buckets than the stack's own).
    grantedBuckets: 'EXPORT_BUCKETS',
  },
  httpApi: {
    routes: [
      { method: 'POST', path: '/event', function: 'ingest' },
      // Many events in one request, a result per event (lambdas/core/event-batch.ts).
      { method: 'POST', path: '/events', function: 'ingest' },
      { method: 'POST', path: '/auth/token', function: 'token' },
      // The original's Keycloak token path, so an unmodified driver's default authEndpoint works.
      { method: 'POST', path: '/auth/realms/streams/protocol/openid-connect/token', function: 'token' },
      { method: 'POST', path: '/auth', function: 'sts' },
      { method: 'POST', path: '/refresh', function: 'sts' },
      { method: 'ANY', path: '/v1/{proxy+}', function: 'management' },
      { method: 'GET', path: '/ready', function: 'health' },
    ],
  },
  webSocketApi: {
    stage: 'prod',
    connect: { function: 'ws-connect', authorizer: 'ws-authorizer' },
    disconnect: { function: 'ws-connect' },
    // local: the WebSocket API shares the gateway's port under /ws; on AWS it has its own wss:// host.
    local: { path: '/ws', stage: 'local' },
  },
  tables: TABLES,
  eventStreams: EVENT_STREAMS,
  eventSourceMappings: EVENT_SOURCE_MAPPINGS,
  buckets: BUCKETS,
  schedules: SCHEDULES,
};

/** The functions in declaration order. */
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];
