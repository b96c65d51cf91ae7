import { RemovalPolicy } from 'aws-cdk-lib';

/** Deployment knobs, read from CDK context (`-c key=value` or cdk.json). */
export interface PrivacyStreamsConfig {
  /** Stack name and resource name prefix (KMS alias `alias/<prefix>`, function names). */
  readonly prefix: string;
  /** Kinesis retention of the source-events stream, hours (24 … 8760); derived events keep 24 h (lib/topology.ts). */
  readonly retentionHours: number;
  /** KMS automatic rotation period, days (90 … 2560). */
  readonly keyRotationDays: number;
  /** CloudWatch Logs retention for function and access logs; one of the values CloudWatch accepts. */
  readonly logRetentionDays: number;
  /** What `cdk destroy` does to tables, the KMS key and log groups. */
  readonly removalPolicy: 'retain' | 'destroy';
  /** Default stage throttling of both APIs (steady requests/s and burst). */
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  /** Buckets besides the stack's exports bucket that batch exporters may write to (the deployer's own). */
  readonly exportBuckets: readonly string[];
  /** Days after which exported files in the stack's exports bucket expire; 0 keeps them. */
  readonly exportExpirationDays: number;
  /** X-Ray active tracing of every function ('active'), or none ('off': no traces, no X-Ray permissions). */
  readonly tracing: 'off' | 'active';
  /** Capacity mode of both Kinesis streams: on-demand, or provisioned with `shardCount` shards each (small stacks). */
  readonly streamMode: 'on-demand' | 'provisioned';
  /** Shards per stream in provisioned mode. */
  readonly shardCount: number;
  /** Where the operations alarms are mailed (an SNS topic with this e-mail subscription); none: alarms only. */
  readonly alarmEmail?: string;
}

export const DEFAULT_CONFIG: PrivacyStreamsConfig = {
  prefix: 'privacy-streams',
  retentionHours: 168,
  keyRotationDays: 365,
  logRetentionDays: 30,
  removalPolicy: 'retain',
  throttleRateLimit: 1000,
  throttleBurstLimit: 2000,
  exportBuckets: [],
  exportExpirationDays: 0,
  tracing: 'off',
  streamMode: 'on-demand',
  shardCount: 1,
};

/** Values CloudWatch Logs accepts for a log group's retention. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Context keys as typed on the command line, e.g. `npx cdk deploy -c prefix=strm-dev -c removalPolicy=destroy`. */
export const CONTEXT_KEYS = {
  prefix: 'prefix',
  retentionHours: 'retentionHours',
  keyRotationDays: 'keyRotationDays',
  logRetentionDays: 'logRetentionDays',
  removalPolicy: 'removalPolicy',
  throttleRateLimit: 'throttleRateLimit',
  throttleBurstLimit: 'throttleBurstLimit',
  exportBuckets: 'exportBuckets',
  exportExpirationDays: 'exportExpirationDays',
  tracing: 'tracing',
  streamMode: 'streamMode',
  shardCount: 'shardCount',
  alarmEmail: 'alarmEmail',
} as const;

// Enough to catch a typo; SNS itself asks the address to confirm the subscription.
const EMAIL_ADDRESS = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

// S3 bucket naming rules (3–63 characters; lower-case letters, digits, '.' and '-').
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Builds the configuration from context values (strings from `-c`, or JSON values from cdk.json),
 * falling back to the defaults; throws naming the key on an invalid value.
 */
export function configFromContext(read: (key: string) => unknown): PrivacyStreamsConfig {
  const prefix = stringValue(read(CONTEXT_KEYS.prefix), DEFAULT_CONFIG.prefix);
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(prefix)) {
    throw new Error(
      `context ${CONTEXT_KEYS.prefix} must be 1-31 lower-case letters, digits or '-', starting with a letter`,
    );
  }
  const removalPolicy = stringValue(read(CONTEXT_KEYS.removalPolicy), DEFAULT_CONFIG.removalPolicy);
  if (removalPolicy !== 'retain' && removalPolicy !== 'destroy') {
    throw new Error(`context ${CONTEXT_KEYS.removalPolicy} must be 'retain' or 'destroy'`);
  }
  const logRetentionDays = intValue(
    read,
    CONTEXT_KEYS.logRetentionDays,
    DEFAULT_CONFIG.logRetentionDays,
    1,
    3653,
  );
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new Error(
      `context ${CONTEXT_KEYS.logRetentionDays} must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
    );
  }
  const throttleRateLimit = intValue(
    read,
    CONTEXT_KEYS.throttleRateLimit,
    DEFAULT_CONFIG.throttleRateLimit,
    1,
    1e6,
  );
  const throttleBurstLimit = intValue(
    read,
    CONTEXT_KEYS.throttleBurstLimit,
    DEFAULT_CONFIG.throttleBurstLimit,
    1,
    1e6,
  );
  return {
    exportBuckets: bucketList(read(CONTEXT_KEYS.exportBuckets)),
    exportExpirationDays: intValue(
      read,
      CONTEXT_KEYS.exportExpirationDays,
      DEFAULT_CONFIG.exportExpirationDays,
      0,
      36_500,
    ),
    prefix,
    retentionHours: intValue(read, CONTEXT_KEYS.retentionHours, DEFAULT_CONFIG.retentionHours, 24, 8760),
    keyRotationDays: intValue(read, CONTEXT_KEYS.keyRotationDays, DEFAULT_CONFIG.keyRotationDays, 90, 2560),
    logRetentionDays,
    removalPolicy,
    throttleRateLimit,
    throttleBurstLimit,
    ...operationsFromContext(read),
  };
}

/** The operations settings: tracing, stream capacity mode and alarm e-mail. */
function operationsFromContext(
  read: (key: string) => unknown,
): Pick<PrivacyStreamsConfig, 'tracing' | 'streamMode' | 'shardCount' | 'alarmEmail'> {
  const tracing = stringValue(read(CONTEXT_KEYS.tracing), DEFAULT_CONFIG.tracing);
  if (tracing !== 'off' && tracing !== 'active') {
    throw new Error(`context ${CONTEXT_KEYS.tracing} must be 'off' or 'active'`);
  }
  const streamMode = stringValue(read(CONTEXT_KEYS.streamMode), DEFAULT_CONFIG.streamMode);
  if (streamMode !== 'on-demand' && streamMode !== 'provisioned') {
    throw new Error(`context ${CONTEXT_KEYS.streamMode} must be 'on-demand' or 'provisioned'`);
  }
  // The default quota is 500 shards per account in us-east-1 (fewer elsewhere).
  const shardCount = intValue(read, CONTEXT_KEYS.shardCount, DEFAULT_CONFIG.shardCount, 1, 500);
  if (streamMode === 'on-demand' && !isUnset(read(CONTEXT_KEYS.shardCount))) {
    throw new Error(
      `context ${CONTEXT_KEYS.shardCount} applies only with ${CONTEXT_KEYS.streamMode}=provisioned`,
    );
  }
  const rawEmail = read(CONTEXT_KEYS.alarmEmail);
  const alarmEmail = isUnset(rawEmail) ? undefined : String(rawEmail);
  if (alarmEmail !== undefined && !EMAIL_ADDRESS.test(alarmEmail)) {
    throw new Error(`context ${CONTEXT_KEYS.alarmEmail} must be an e-mail address`);
  }
  return { tracing, streamMode, shardCount, ...(alarmEmail ? { alarmEmail } : {}) };
}

/** The CDK removal policy for stateful resources (tables, key, log groups). */
export function statefulRemovalPolicy(config: PrivacyStreamsConfig): RemovalPolicy {
  return config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

/** `-c exportBuckets=a,b` or a JSON array in cdk.json; every entry a valid bucket name. */
function bucketList(raw: unknown): string[] {
  if (raw === undefined || raw === null || raw === '') return [];
  const names = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
  const trimmed = names.map((name) => name.trim()).filter((name) => name !== '');
  for (const name of trimmed) {
    if (!BUCKET_NAME.test(name)) {
      throw new Error(`context ${CONTEXT_KEYS.exportBuckets}: '${name}' is not a valid S3 bucket name`);
    }
  }
  return [...new Set(trimmed)];
}

const isUnset = (raw: unknown): boolean => raw === undefined || raw === null || raw === '';

function stringValue(raw: unknown, fallback: string): string {
  return isUnset(raw) ? fallback : String(raw);
}

function intValue(
  read: (key: string) => unknown,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = read(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : Number(String(raw));
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`context ${key} must be an integer from ${min} to ${max}`);
  }
  return n;
}
