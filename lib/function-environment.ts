import type { TableName } from '../lambdas/aws/tables';
import { type EventStreamName, type FunctionName, TOPOLOGY } from './topology';
import type { BucketName, FixedEnvValue, FunctionAccess } from './topology-types';

/** Where one environment variable of a function gets its value; each runtime resolves it its own way. */
export type EnvSource =
  | { readonly kind: 'table'; readonly table: TableName }
  | { readonly kind: 'stream'; readonly stream: EventStreamName }
  | { readonly kind: 'bucket'; readonly bucket: BucketName }
  | { readonly kind: 'grantedBuckets' }
  | { readonly kind: 'kmsKey' }
  | { readonly kind: 'bootstrapSecret' }
  | { readonly kind: 'webSocketCallbackUrl' }
  | { readonly kind: 'fixed'; readonly value: FixedEnvValue };

export type EnvEntry = readonly [name: string, source: EnvSource];

/** The variables that follow from what a function may touch. */
function accessEntries(access: FunctionAccess<EventStreamName>): EnvEntry[] {
  const names = TOPOLOGY.accessEnvVars;
  const entries: EnvEntry[] = [];
  for (const table of Object.keys(access.tables ?? {}) as TableName[]) {
    entries.push([TOPOLOGY.tables[table].envVar, { kind: 'table', table }]);
  }
  for (const stream of Object.keys(access.streams ?? {}) as EventStreamName[]) {
    entries.push([TOPOLOGY.eventStreams[stream].envVar, { kind: 'stream', stream }]);
  }
  for (const bucket of Object.keys(access.buckets ?? {}) as BucketName[]) {
    entries.push([TOPOLOGY.buckets[bucket].envVar, { kind: 'bucket', bucket }]);
  }
  if (access.grantedBuckets) entries.push([names.grantedBuckets, { kind: 'grantedBuckets' }]);
  if (access.kms?.length) entries.push([names.kmsKey, { kind: 'kmsKey' }]);
  return entries;
}

/**
 * Every variable of one function, in order: the common ones, POWERTOOLS_SERVICE_NAME, those that follow
 * from its access, its fixed ones, then the bootstrap secret and the @connections callback URL. Throws
 * when two sources name the same variable (a topology error).
 */
export function environmentOf(name: FunctionName): EnvEntry[] {
  const spec = TOPOLOGY.functions[name];
  const names = TOPOLOGY.accessEnvVars;
  const entries: EnvEntry[] = [
    ...Object.entries(TOPOLOGY.commonEnv).map(([n, value]): EnvEntry => [n, { kind: 'fixed', value }]),
    ['POWERTOOLS_SERVICE_NAME', { kind: 'fixed', value: { value: name } }],
    ...accessEntries(spec.access),
    ...Object.entries(spec.env ?? {}).map(([n, value]): EnvEntry => [n, { kind: 'fixed', value }]),
  ];
  if (spec.access.bootstrapSecret) entries.push([names.bootstrapSecret, { kind: 'bootstrapSecret' }]);
  if (spec.access.webSocketConnections) {
    entries.push([names.webSocketCallbackUrl, { kind: 'webSocketCallbackUrl' }]);
  }
  const seen = new Set<string>();
  for (const [variable] of entries) {
    if (seen.has(variable)) throw new Error(`topology: ${name} gets ${variable} twice`);
    seen.add(variable);
  }
  return entries;
}

/** The environment as a record; a source resolved to undefined leaves its variable out. */
export function resolveEnvironment<V>(
  name: FunctionName,
  resolve: (source: EnvSource) => V | undefined,
): Record<string, V> {
  const env: Record<string, V> = {};
  for (const [variable, source] of environmentOf(name)) {
    const value = resolve(source);
    if (value !== undefined) env[variable] = value;
  }
  return env;
}
