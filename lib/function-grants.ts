import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { TableName } from '../lambdas/aws/tables';
import type { EventStreamName } from './topology';
import type { BucketAccess, BucketName, FunctionAccess, TableGrant } from './topology-types';

/** The stack's resources a topology access declaration can name. */
export interface GrantTargets {
  readonly tables: Readonly<Record<TableName, dynamodb.ITable>>;
  readonly streams: Readonly<Record<EventStreamName, kinesis.IStream>>;
  readonly key: kms.IKey;
  readonly bootstrapSecret: secretsmanager.ISecret;
  readonly buckets: Readonly<Record<BucketName, s3.IBucket>>;
  /** The buckets the deployer granted through the CDK context (exportBuckets). */
  readonly grantedBuckets: readonly s3.IBucket[];
}

/**
 * Exactly the S3 actions of a bucket access (CDK's bucket grants add wildcard actions such as
 * s3:GetObject* and s3:List*), and with an encrypted bucket the KMS actions they need on its key.
 */
function grantBucket(bucket: s3.IBucket, grantee: iam.IGrantable, access: BucketAccess): void {
  const allow = (actions: string[], resources: string[]) =>
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
  if (access.list) allow(['s3:ListBucket'], [bucket.bucketArn]);
  if (access.read) allow(['s3:GetObject'], [bucket.arnForObjects(access.read)]);
  if (access.write) allow(['s3:PutObject'], [bucket.arnForObjects(access.write)]);
  if (access.delete) allow(['s3:DeleteObject'], [bucket.arnForObjects(access.delete)]);
  if (bucket.encryptionKey && access.read) bucket.encryptionKey.grant(grantee, 'kms:Decrypt');
  if (bucket.encryptionKey && access.write) bucket.encryptionKey.grant(grantee, 'kms:GenerateDataKey*');
}

function grantTable(table: dynamodb.ITable, grantee: iam.IGrantable, grants: readonly TableGrant[]): void {
  const read = grants.includes('read');
  const write = grants.includes('write');
  if (read && write) table.grantReadWriteData(grantee);
  else if (read) table.grantReadData(grantee);
  else if (write) table.grantWriteData(grantee);
  const actions = grants.filter((g) => g !== 'read' && g !== 'write');
  if (actions.length > 0) table.grant(grantee, ...actions);
}

/**
 * Grants a function exactly its topology access (WebSocket connections aside: they need the stage, see
 * the stack). Event-source mappings grant their own stream reads.
 */
export function grantAccess(
  grantee: iam.IGrantable,
  access: FunctionAccess<EventStreamName>,
  targets: GrantTargets,
): void {
  for (const [stream, mode] of Object.entries(access.streams ?? {}) as [EventStreamName, string][]) {
    if (mode === 'write') targets.streams[stream].grantWrite(grantee);
    else targets.streams[stream].grantRead(grantee);
  }
  for (const [table, grants] of Object.entries(access.tables ?? {}) as [TableName, TableGrant[]][]) {
    grantTable(targets.tables[table], grantee, grants);
  }
  for (const [bucket, bucketAccess] of Object.entries(access.buckets ?? {}) as [BucketName, BucketAccess][]) {
    grantBucket(targets.buckets[bucket], grantee, bucketAccess);
  }
  const granted: BucketAccess = access.grantedBuckets === 'read' ? { list: true, read: '*' } : { write: '*' };
  for (const bucket of access.grantedBuckets ? targets.grantedBuckets : [])
    grantBucket(bucket, grantee, granted);
  if (access.kms?.length) targets.key.grant(grantee, ...access.kms);
  if (access.bootstrapSecret) targets.bootstrapSecret.grantRead(grantee);
}

/** Whether a function's grants write to KMS-encrypted data (CDK then adds GenerateDataKey* and ReEncrypt*). */
export function writesEncryptedData(access: FunctionAccess<EventStreamName>): boolean {
  const streamWrites = Object.values(access.streams ?? {}).includes('write');
  const tableWrites = Object.values(access.tables ?? {}).some((grants) => grants?.some((g) => g !== 'read'));
  const bucketWrites = Object.values(access.buckets ?? {}).some((bucket) => bucket?.write !== undefined);
  return streamWrites || tableWrites || bucketWrites;
}
