import * as path from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EventStreamName } from './topology';
import type { FunctionSpec } from './topology-types';

export interface HandlerFunctionProps {
  /** The topology entry: entry module, memory, timeout. */
  readonly spec: FunctionSpec<EventStreamName>;
  /** Folder the spec's entry path is relative to. */
  readonly projectRoot: string;
  readonly functionName: string;
  /** Exactly the function's topology variables (lib/function-environment.ts). */
  readonly environment: Record<string, string>;
  readonly logRetentionDays: number;
  readonly logRemovalPolicy: RemovalPolicy;
  /** X-Ray active tracing (Lambda's own sampling) with its two X-Ray actions; off: neither. */
  readonly tracing: boolean;
}

/**
 * One handler module as a Lambda function: Node 22 on arm64, bundled by the local esbuild (never
 * Docker), source maps on, X-Ray tracing only when the deployment turns it on, its own log group with retention, and its own role that
 * starts with nothing but writing to that log group — every other permission is an explicit grant.
 */
export class HandlerFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.logRemovalPolicy,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole: logs go to this one group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.functionName} execution role`,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: path.join(props.projectRoot, props.spec.entry),
      handler: 'handler',
      functionName: props.functionName,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.spec.memoryMb,
      timeout: Duration.seconds(props.spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      // DISABLED, not PassThrough: PassThrough would also grant the X-Ray actions, for traces nothing starts here.
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      environment: props.environment,
      bundling: {
        forceDockerBundling: false,
        format: nodejs.OutputFormat.CJS,
        target: 'node22',
        minify: true,
        // Class and function names survive minification: logs name errors by class (ValidationError, not Ce).
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the AWS SDK too: the code runs against the SDK version it was tested with,
        // not whatever the Lambda runtime happens to ship.
        externalModules: [],
        logLevel: nodejs.LogLevel.WARNING,
      },
    });
  }
}
