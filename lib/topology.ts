import { TABLES } from '../lambdas/aws/tables';
import type {
  EventSourceMappingSpec,
  EventStreamSpec,
  FixedEnvValue,
  FunctionSpec,
  Topology,
} from './topology-types';

/**
 * The deployment, as data: functions and what they may touch, the HTTP and WebSocket routes, tables,
 * event streams and event-source mappings. The CDK stack builds it on AWS, `npm start` runs it locally,
 * the CDK tests check the template against it. Adding a function, route, table or stream is one entry
 * here (tables: lambdas/aws/tables.ts) plus its code. A `local` value is a deliberate difference of the
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
      },
      kms: ['kms:GenerateDataKey', 'kms:Decrypt'],
      bootstrapSecret: 'read',
      webSocketConnections: 'manage',
    },
    env: {
      TOKEN_ISSUER,
      // local: anyone on this machine may sign up (there is no Secrets Manager for a bootstrap secret).
      SIGNUP_MODE: { value: 'bootstrap', local: 'open' },
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
      tables: { streams: ['read'], keyLinks: ['read'] },
      kms: ['kms:Decrypt'],
    },
    env: { TOKEN_ISSUER },
  },
  'ws-connect': {
    entry: 'lambdas/handlers/ws-connect.ts',
    memoryMb: 256,
    timeoutSeconds: 10,
    access: { tables: { connections: ['write'] } },
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
    // local: polled 5 times as often as Lambda does, for latency on one machine.
    local: { pollIntervalMs: 200 },
  },
  { ...EGRESS_MAPPING, stream: 'sourceEvents' },
  { ...EGRESS_MAPPING, stream: 'derivedEvents' },
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
};

/** The functions in declaration order. */
export const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];
