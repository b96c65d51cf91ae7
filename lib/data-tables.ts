import type { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface DataTablesProps {
  readonly key: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The six DynamoDB tables of docs/architecture.md: pk/sk strings, on-demand, point-in-time recovery,
 * encrypted with the project key; `expiresAt` TTL where items expire.
 */
export class DataTables extends Construct {
  readonly accounts: dynamodb.Table;
  readonly streams: dynamodb.Table;
  readonly contracts: dynamodb.Table;
  readonly keyLinks: dynamodb.Table;
  readonly connections: dynamodb.Table;
  readonly usage: dynamodb.Table;

  constructor(scope: Construct, id: string, props: DataTablesProps) {
    super(scope, id);
    const table = (name: string, ttl: boolean) =>
      new dynamodb.Table(this, name, {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: props.key,
        timeToLiveAttribute: ttl ? 'expiresAt' : undefined,
        removalPolicy: props.removalPolicy,
      });
    this.accounts = table('Accounts', false);
    this.streams = table('Streams', false);
    this.contracts = table('Contracts', false);
    this.keyLinks = table('KeyLinks', true);
    this.connections = table('Connections', true);
    this.connections.addGlobalSecondaryIndex({
      indexName: 'byStream',
      partitionKey: { name: 'streamKey', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    this.usage = table('Usage', true);
  }

  /** Table-name environment variables, by the names the handlers read. */
  envNames(): Record<
    | 'ACCOUNTS_TABLE'
    | 'STREAMS_TABLE'
    | 'CONTRACTS_TABLE'
    | 'KEY_LINKS_TABLE'
    | 'CONNECTIONS_TABLE'
    | 'USAGE_TABLE',
    string
  > {
    return {
      ACCOUNTS_TABLE: this.accounts.tableName,
      STREAMS_TABLE: this.streams.tableName,
      CONTRACTS_TABLE: this.contracts.tableName,
      KEY_LINKS_TABLE: this.keyLinks.tableName,
      CONNECTIONS_TABLE: this.connections.tableName,
      USAGE_TABLE: this.usage.tableName,
    };
  }
}
