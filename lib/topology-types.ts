import type { TableName, TableSchema } from '../lambdas/aws/tables';

/**
 * The shape of the deployment description (lib/topology.ts): plain data, no aws-cdk-lib. The CDK stack,
 * the local runtime and the tests read it. `local` fields are deliberate differences of the local stack,
 * always next to the AWS value they replace and commented with the reason.
 */

/** A grant on a table: all reads, all writes, or one named DynamoDB action. */
export type TableGrant = 'read' | 'write' | `dynamodb:${string}`;

export type KmsAction = 'kms:GenerateDataKey' | 'kms:Decrypt';

/**
 * What a function does with a bucket's objects, each for the keys matching a pattern (`*`: every key,
 * `staging/*`: the staged parts), and whether it lists keys. Exactly these S3 actions are granted.
 */
export interface BucketAccess {
  readonly list?: true;
  readonly read?: string;
  readonly write?: string;
  readonly delete?: string;
}

/**
 * What a function's own code touches. The stack grants exactly this (least privilege) and the function's
 * environment variables follow from it (a function that reads the streams table gets STREAMS_TABLE).
 */
export interface FunctionAccess<Stream extends string> {
  readonly tables?: Partial<Record<TableName, readonly TableGrant[]>>;
  /** The stack's buckets; each one's name comes with it. */
  readonly buckets?: Partial<Record<BucketName, BucketAccess>>;
  /** The buckets the deployer granted through the CDK context (exportBuckets); their names come with it. */
  readonly grantedBuckets?: 'read' | 'write';
  /** Streams the code names itself. A stream consumed through an event-source mapping is not listed: the mapping grants its read. */
  readonly streams?: Partial<Record<Stream, 'read' | 'write'>>;
  /** Actions on the project key (the root of the key hierarchy); the key's id comes with them. */
  readonly kms?: readonly KmsAction[];
  /** Reads the sign-up bootstrap secret; its ARN comes with it. */
  readonly bootstrapSecret?: 'read';
  /** Posts to / deletes WebSocket connections (@connections); the callback URL comes with it. */
  readonly webSocketConnections?: 'manage';
}

/** A fixed environment value: the AWS value, and (only where they differ) the local one; null = not set locally. */
export type FixedEnvValue =
  | { readonly value: string; readonly local?: string | null }
  /** A deployment setting (lib/stack-config.ts) on AWS, a fixed value locally. */
  | { readonly config: 'prefix'; readonly local: string };

export interface FunctionSpec<Stream extends string> {
  /** The handler module, relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly access: FunctionAccess<Stream>;
  /** Variables that do not follow from the access. */
  readonly env?: Readonly<Record<string, FixedEnvValue>>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ANY';

/** An HTTP API route; `path` uses API Gateway syntax (`/v1/{proxy+}`, `/streams/{name}`). */
export interface HttpRouteSpec<Fn extends string> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly function: Fn;
}

export interface WebSocketApiSpec<Fn extends string> {
  /** The stage of the wss:// URL and of the @connections callback URL. */
  readonly stage: string;
  /** `$connect`, run after the REQUEST authorizer allowed the upgrade. */
  readonly connect: { readonly function: Fn; readonly authorizer: Fn };
  readonly disconnect: { readonly function: Fn };
  readonly local: {
    /** The upgrade path on the local gateway's port. */
    readonly path: string;
    readonly stage: string;
  };
}

export interface EventStreamSpec {
  /** The variable carrying the stream's name to a function that names the stream in its code. */
  readonly envVar: string;
  /** Short name: the local stream is `ps-<name>`; on AWS CloudFormation names the stream. */
  readonly name: string;
  /**
   * Fixed retention (hours) instead of the deployment's `retentionHours` setting: for a stream whose
   * records hold decrypted personal data, which crypto-shredding cannot reach while they are retained.
   */
  readonly retentionHours?: number;
  readonly local: { readonly shards: number };
}

/** An S3 bucket of the stack. */
export interface BucketSpec {
  /** The variable carrying the bucket's name to a function that uses it. */
  readonly envVar: string;
  /** Short name: the local bucket is `ps-<name>`; on AWS CloudFormation names the bucket. */
  readonly name: string;
}

export type BucketName = 'exports';

/** A function invoked on a fixed rate (an EventBridge schedule on AWS, a timer locally). */
export interface ScheduleSpec<Fn extends string> {
  readonly function: Fn;
  readonly rateMinutes: number;
  readonly local: {
    /** Between two invocations locally. */
    readonly intervalMs: number;
  };
}

/** A Kinesis → Lambda event-source mapping with every setting that decides its behaviour. */
export interface EventSourceMappingSpec<Fn extends string, Stream extends string> {
  readonly function: Fn;
  readonly stream: Stream;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly parallelizationFactor: number;
  readonly bisectBatchOnFunctionError: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  /** Where exhausted batches go: the stack's failure queue (locally a JSON Lines file per function). */
  readonly onFailure: 'failureQueue';
  readonly local: {
    /** Pause between polls of an idle shard (Lambda polls each shard about once a second, not configurable). */
    readonly pollIntervalMs: number;
    /** A batching window of its own locally (seconds), where the AWS one is for cost, not behaviour. */
    readonly maxBatchingWindowSeconds?: number;
  };
}

/** Where the variables that follow from access get their names. */
export interface AccessEnvVars {
  readonly kmsKey: string;
  readonly bootstrapSecret: string;
  readonly webSocketCallbackUrl: string;
  readonly grantedBuckets: string;
}

export interface Topology<Fn extends string, Stream extends string> {
  readonly functions: Readonly<Record<Fn, FunctionSpec<Stream>>>;
  /** Variables every function gets, besides POWERTOOLS_SERVICE_NAME (the function's name). */
  readonly commonEnv: Readonly<Record<string, FixedEnvValue>>;
  readonly accessEnvVars: AccessEnvVars;
  readonly httpApi: { readonly routes: readonly HttpRouteSpec<Fn>[] };
  readonly webSocketApi: WebSocketApiSpec<Fn>;
  readonly tables: Readonly<Record<TableName, TableSchema>>;
  readonly eventStreams: Readonly<Record<Stream, EventStreamSpec>>;
  readonly eventSourceMappings: readonly EventSourceMappingSpec<Fn, Stream>[];
  readonly buckets: Readonly<Record<BucketName, BucketSpec>>;
  readonly schedules: readonly ScheduleSpec<Fn>[];
}
