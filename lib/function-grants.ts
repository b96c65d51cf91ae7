import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { TableName } from '../lambdas/aws/tables';
import type { EventStreamName } from './topology';
import type { FunctionAccess, TableGrant } from './topology-types';

/** The stack's resources a topology access declaration can name. */
export interface GrantTargets {
  readonly tables: Readonly<Record<TableName, dynamodb.ITable>>;
  readonly streams: Readonly<Record<EventStreamName, kinesis.IStream>>;
  readonly key: kms.IKey;
  readonly bootstrapSecret: secretsmanager.ISecret;
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
  if (access.kms?.length) targets.key.grant(grantee, ...access.kms);
  if (access.bootstrapSecret) targets.bootstrapSecret.grantRead(grantee);
}

/** Whether a function's grants write to KMS-encrypted data (CDK then adds GenerateDataKey* and ReEncrypt*). */
export function writesEncryptedData(access: FunctionAccess<EventStreamName>): boolean {
  const streamWrites = Object.values(access.streams ?? {}).includes('write');
  const tableWrites = Object.values(access.tables ?? {}).some((grants) => grants?.some((g) => g !== 'read'));
  return streamWrites || tableWrites;
}
