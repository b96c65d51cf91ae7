import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { KeyAttribute, TableName, TableSchema } from '../lambdas/aws/tables';
import { constructId } from './construct-ids';
import { TOPOLOGY } from './topology';

export interface DataTablesProps {
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  type: key.type as dynamodb.AttributeType,
});

/**
 * The topology's DynamoDB tables: keys, TTL and indexes as lambdas/aws/tables.ts defines them; on-demand,
 * point-in-time recovery, encrypted with the project key.
 */
export class DataTables extends Construct {
  readonly byName: Readonly<Record<TableName, dynamodb.Table>>;

  constructor(scope: Construct, id: string, props: DataTablesProps) {
    super(scope, id);
    const byName = {} as Record<TableName, dynamodb.Table>;
    for (const [name, schema] of Object.entries(TOPOLOGY.tables) as [TableName, TableSchema][]) {
      const table = new dynamodb.Table(this, constructId(name), {
        partitionKey: attribute(schema.partitionKey),
        sortKey: schema.sortKey && attribute(schema.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: props.key,
        timeToLiveAttribute: schema.timeToLiveAttribute,
        removalPolicy: props.removalPolicy,
      });
      for (const index of schema.globalSecondaryIndexes ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          sortKey: index.sortKey && attribute(index.sortKey),
          projectionType: dynamodb.ProjectionType[index.projection],
        });
      }
      byName[name] = table;
    }
    this.byName = byName;
  }
}
