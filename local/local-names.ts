import type { TableName } from '../lambdas/aws/tables';
import { type EventStreamName, type FunctionName, TOPOLOGY } from '../lib/topology';
import type { BucketName } from '../lib/topology-types';

/**
 * Names of the topology's resources in the local stack (on AWS CloudFormation names tables and streams,
 * and functions are `<prefix>-<name>`). Kept as they always were, so existing data directories still fit.
 */
/** A function's local name: the topology's functions, or a test's own (any name works the same). */
export const localFunctionName = (name: FunctionName | (string & {})): string => `ps-local-${name}`;
export const localTableName = (name: TableName): string => `ps-${TOPOLOGY.tables[name].name}`;
export const localStreamName = (name: EventStreamName): string => `ps-${TOPOLOGY.eventStreams[name].name}`;
export const localBucketName = (name: BucketName): string => `ps-${TOPOLOGY.buckets[name].name}`;
