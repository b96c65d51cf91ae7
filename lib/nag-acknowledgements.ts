import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import {
  BY_STREAM_INDEX,
  DUE_EXPORTS_INDEX,
  EXPORTERS_BY_STREAM_INDEX,
  NEW_EXPORTERS_INDEX,
} from '../lambdas/aws/tables';
import { STAGING_PREFIX } from '../lambdas/core/export-files';

/** The parts of the stack that carry acknowledged cdk-nag findings. */
export interface NagAcknowledgementTargets {
  /** Every HandlerFunction (its role policy and function are below it). */
  readonly functions: readonly IConstruct[];
  /** Functions whose CDK grants write to a KMS-encrypted stream, table or queue. */
  readonly encryptedWriters: readonly IConstruct[];
  readonly egress: IConstruct;
  /** Ends the subscribers of deleted streams and credentials. */
  readonly management: IConstruct;
  readonly wsConnect: IConstruct;
  readonly connectionsTable: IConstruct;
  readonly webSocketStageName: string;
  readonly httpApi: IConstruct;
  readonly webSocketApi: IConstruct;
  readonly webSocketStage: IConstruct;
  readonly failureQueue: IConstruct;
  readonly bootstrapSecret: IConstruct;
  readonly eventStreams: readonly IConstruct[];
  /** Functions an EventBridge schedule invokes (asynchronously). */
  readonly scheduled: readonly IConstruct[];
  /** The bucket that receives the exports bucket's server access logs. */
  readonly accessLogsBucket: IConstruct;
  readonly exporter: IConstruct;
  readonly exportsBucket: IConstruct;
  readonly exportersTable: IConstruct;
  readonly exportStateTable: IConstruct;
  /** The EventBridge rules of the topology's schedules. */
  readonly scheduleRules: readonly IConstruct[];
  /** The deployer's own buckets (context exportBuckets). */
  readonly grantedBucketNames: readonly string[];
  /** X-Ray active tracing is on (context tracing=active). */
  readonly tracing: boolean;
  /** The SNS topic the alarms notify (context alarmEmail), if any. */
  readonly alarmTopic?: IConstruct;
}

/**
 * Findings of the AwsSolutions and Serverless packs that are deliberate, each with its reason.
 * Everything not listed here fails `cdk synth`.
 */
export function acknowledgeNagFindings(t: NagAcknowledgementTargets): void {
  for (const fn of t.functions) {
    if (t.tracing) {
      ack(
        fn,
        'AwsSolutions-IAM5[Resource::*]',
        'Only the X-Ray actions (xray:PutTraceSegments, xray:PutTelemetryRecords) that active tracing adds; X-Ray has no resource-level permissions. Kinesis, DynamoDB and KMS grants name their resources (checked by test/cdk/least-privilege.test.ts).',
      );
    } else {
      ack(
        fn,
        'Serverless-LambdaTracing',
        'X-Ray tracing is off by default for cost (a trace per invocation at low rates, Lambda sampling cannot be lowered); deploy with -c tracing=active to turn it on. Errors, throttles and iterator age have CloudWatch alarms.',
      );
    }
    ack(
      fn,
      'AwsSolutions-L1',
      'Node.js 22 is the runtime the code base targets and tests (engines >= 20.19, local runtime on Node 20/22); move to the next LTS runtime together with the local toolchain.',
    );
    ack(
      fn,
      'Serverless-LambdaLatestVersion',
      'Node.js 22 is pinned deliberately: it is the runtime the code base is tested on (engines >= 20.19, local runtime on Node 20/22).',
    );
    ack(
      fn,
      'Serverless-LambdaDLQ',
      t.scheduled.includes(fn)
        ? 'Invoked asynchronously only by its one-minute EventBridge schedule (the export tick), whose work is idempotent: a failed tick is simply done again by the next one, so a dead-letter queue would hold nothing worth replaying. Its Kinesis mappings send failed batches to the StreamFailures queue.'
        : 'No function is invoked asynchronously: API Gateway invokes synchronously and returns errors to the caller; the Kinesis event source mappings send failed batches to the StreamFailures queue (on-failure destination).',
    );
  }
  acknowledgeExportFindings(t);
  if (t.alarmTopic) {
    ack(
      t.alarmTopic,
      'Serverless-SNSRedrivePolicy',
      'The only subscription is the alarm e-mail address; a notification that cannot be delivered is still visible as the alarm state in CloudWatch, so a dead-letter queue would add nothing.',
    );
  }

  for (const fn of t.encryptedWriters) {
    ack(
      fn,
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'Added by the CDK grant for writing to a KMS-encrypted Kinesis stream, DynamoDB table or SQS queue; limited to the project key ARN.',
    );
    ack(
      fn,
      'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      'Added by the CDK grant for writing to a KMS-encrypted Kinesis stream, DynamoDB table or SQS queue; limited to the project key ARN.',
    );
  }
  const connectionsIndexes = `AwsSolutions-IAM5[Resource::<${logicalId(t.connectionsTable)}.Arn>/index/*]`;
  ack(
    t.egress,
    connectionsIndexes,
    `Egress queries the ${BY_STREAM_INDEX} index of the connections table to find the subscribers of a stream.`,
  );
  ack(
    t.management,
    connectionsIndexes,
    `Management queries the ${BY_STREAM_INDEX} index of the connections table to end the subscribers of a deleted stream or credential.`,
  );
  ack(
    t.wsConnect,
    connectionsIndexes,
    `Added by the CDK write grant on the connections table (covers its ${BY_STREAM_INDEX} index); ws-connect writes only that table.`,
  );
  const callbacks = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${logicalId(t.webSocketApi)}>/${t.webSocketStageName}/*/@connections/*]`;
  ack(
    t.egress,
    callbacks,
    'PostToConnection/DeleteConnection target connection ids known only at run time; scoped to this API and stage.',
  );
  ack(
    t.management,
    callbacks,
    'DeleteConnection of the subscribers of a deleted stream or credential, whose connection ids are known only at run time; scoped to this API and stage.',
  );
  ack(
    t.httpApi,
    'AwsSolutions-APIG4',
    'Authorization is in the handlers: POST /event verifies a stream token (JWT), POST /auth/token is the OAuth2 token endpoint that authenticates client credentials, /v1 checks a user token except for sign-up/login/refresh, and GET /ready is a public health check.',
  );
  ack(
    t.webSocketApi,
    'AwsSolutions-APIG4',
    'Only $connect needs authorization (the stream-token Lambda authorizer); $disconnect is sent by API Gateway for a connection that was already authorized.',
  );
  ack(
    t.webSocketStage,
    'AwsSolutions-APIG1',
    'WebSocket access logging requires an account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account), which this stack does not take over; connections are recorded by the ws-connect function logs.',
  );
  ack(
    t.webSocketStage,
    'Serverless-APIGWAccessLogging',
    'WebSocket access logging needs the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account), which this stack does not take over.',
  );
  ack(
    t.failureQueue,
    'AwsSolutions-SQS3',
    'This queue is itself the dead-letter queue (on-failure destination) of the Kinesis event source mappings.',
  );
  ack(
    t.failureQueue,
    'Serverless-SQSRedrivePolicy',
    'This queue is itself the dead-letter queue of the Kinesis event source mappings; nothing consumes it automatically.',
  );
  ack(
    t.bootstrapSecret,
    'AwsSolutions-SMG4',
    'One-time bootstrap value: it only authorises creating the first account, after which sign-up is closed; rotation would add a rotation Lambda for no benefit.',
  );
  for (const stream of t.eventStreams) {
    ack(
      stream,
      'AwsSolutions-KDS3',
      'Encrypted with the project customer-managed key on purpose: one key the deployer controls (rotation, key policy) protects all data at rest.',
    );
  }
}

/** Batch exporters: object keys and index names known only at run time, and the export tick's schedule. */
function acknowledgeExportFindings(t: NagAcknowledgementTargets): void {
  const bucket = logicalId(t.exportsBucket);
  ack(
    t.exporter,
    `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/*]`,
    'Exporters write files under <accountId>/<pathPrefix>/ with names made at run time (UTC time, stream, shard); s3:PutObject only, in the stack exports bucket.',
  );
  ack(
    t.exporter,
    `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/${STAGING_PREFIX}*]`,
    'Staged parts of files still being collected are read back and deleted by the exporter; s3:GetObject and s3:DeleteObject are limited to the staging prefix.',
  );
  ack(
    t.management,
    `AwsSolutions-IAM5[Resource::<${bucket}.Arn>/*]`,
    "Management reads exported files only to sign short-lived download URLs for their owner; every key it signs lies under the caller's own <accountId>/ prefix (checked in code).",
  );
  const exportersIndexes = `AwsSolutions-IAM5[Resource::<${logicalId(t.exportersTable)}.Arn>/index/*]`;
  ack(
    t.exporter,
    exportersIndexes,
    `The exporter queries the ${EXPORTERS_BY_STREAM_INDEX} index (exporters of a stream) and the ${NEW_EXPORTERS_INDEX} index (exporters to initialize) of the exporters table.`,
  );
  ack(
    t.management,
    exportersIndexes,
    `Management queries the ${EXPORTERS_BY_STREAM_INDEX} index of the exporters table (a stream's exporters, before deleting the stream); added by the CDK table grant.`,
  );
  ack(
    t.exporter,
    `AwsSolutions-IAM5[Resource::<${logicalId(t.exportStateTable)}.Arn>/index/*]`,
    `The export tick queries the ${DUE_EXPORTS_INDEX} index of the export-state table (shard states whose file or backfill is due).`,
  );
  for (const name of t.grantedBucketNames) {
    const objects = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${name}/*]`;
    ack(
      t.exporter,
      objects,
      `The deployer granted bucket ${name} to batch exporters (context exportBuckets); file names are made at run time, s3:PutObject only.`,
    );
    ack(
      t.management,
      objects,
      `The deployer granted bucket ${name} to batch exporters (context exportBuckets); management reads files there only to sign download URLs for their owner.`,
    );
  }
  for (const rule of t.scheduleRules) {
    ack(
      rule,
      'Serverless-EventBusDLQ',
      'The rule only starts the export tick, whose work is idempotent and repeated every minute: an undelivered invocation is made good by the next one, so a dead-letter queue would hold nothing worth replaying.',
    );
  }
}

/** The CloudFormation logical id of an L2 construct's resource, as cdk-nag prints it in finding ids. */
function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

function ack(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}
