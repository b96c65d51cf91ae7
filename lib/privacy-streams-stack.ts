import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DataTables } from './data-tables';
import { HandlerFunction, type HandlerName } from './handler-function';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { findProjectRoot } from './project-root';
import { type PrivacyStreamsConfig, statefulRemovalPolicy } from './stack-config';

export interface PrivacyStreamsStackProps extends StackProps {
  readonly config: PrivacyStreamsConfig;
  /** Record the deliberate cdk-nag findings as acknowledged (default true; tests turn it off to see them all). */
  readonly acknowledgeNagFindings?: boolean;
}

/** Logical ids of the outputs `strm context import` reads from `cdk deploy --outputs-file`. */
export const OUTPUT_IDS = ['HttpApiUrl', 'WebSocketUrl', 'BootstrapSecretArn', 'Region'] as const;

/** Stage name of the WebSocket API (part of the wss:// URL and the @connections callback URL). */
export const WEBSOCKET_STAGE = 'prod';

/**
 * The whole pipeline in one stack: HTTP API (ingest, token, management, health) → Kinesis source
 * events → decrypter → Kinesis derived events → egress fan-out → WebSocket API; DynamoDB tables,
 * one KMS key as the root of the key hierarchy, and the sign-up bootstrap secret.
 */
export class PrivacyStreamsStack extends Stack {
  readonly key: kms.Key;
  readonly tables: DataTables;
  readonly sourceEvents: kinesis.Stream;
  readonly derivedEvents: kinesis.Stream;
  readonly failureQueue: sqs.Queue;
  readonly bootstrapSecret: secretsmanager.Secret;
  readonly functions: Record<HandlerName, HandlerFunction>;
  readonly httpApi: apigwv2.HttpApi;
  readonly httpStage: apigwv2.HttpStage;
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly webSocketStage: apigwv2.WebSocketStage;

  constructor(scope: Construct, id: string, props: PrivacyStreamsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const stateful = statefulRemovalPolicy(config);
    const handlersDir = path.join(findProjectRoot(__dirname), 'lambdas', 'handlers');

    // ---- key, tables, streams, queue, secret -------------------------------------------------------
    this.key = new kms.Key(this, 'Key', {
      description: `${config.prefix}: root of the key hierarchy; encrypts tables, streams, queue, secret`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(config.keyRotationDays),
      alias: `alias/${config.prefix}`,
      removalPolicy: stateful,
      pendingWindow: Duration.days(7),
    });
    this.tables = new DataTables(this, 'Tables', { key: this.key, removalPolicy: stateful });

    const eventStream = (streamId: string) =>
      new kinesis.Stream(this, streamId, {
        streamMode: kinesis.StreamMode.ON_DEMAND,
        encryption: kinesis.StreamEncryption.KMS,
        encryptionKey: this.key,
        retentionPeriod: Duration.hours(config.retentionHours),
        // Events are only in flight here (tables hold the state); a kept stream would keep billing.
        removalPolicy: RemovalPolicy.DESTROY,
      });
    this.sourceEvents = eventStream('SourceEvents');
    this.derivedEvents = eventStream('DerivedEvents');

    this.failureQueue = new sqs.Queue(this, 'StreamFailures', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    this.bootstrapSecret = new secretsmanager.Secret(this, 'BootstrapSecret', {
      description: `${config.prefix}: send as bootstrapSecret to create the first account`,
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 40, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // ---- functions ---------------------------------------------------------------------------------
    const names = this.tables.envNames();
    const tokenIssuer = { TOKEN_ISSUER: config.prefix };
    const kmsKey = { KMS_KEY_ID: this.key.keyArn };
    const fn = (
      handler: HandlerName,
      memorySize: number,
      timeoutSeconds: number,
      environment: Record<string, string>,
    ) =>
      new HandlerFunction(this, pascal(handler), {
        handler,
        handlersDir,
        functionName: `${config.prefix}-${handler}`,
        memorySize,
        timeout: Duration.seconds(timeoutSeconds),
        environment,
        logRetentionDays: config.logRetentionDays,
        logRemovalPolicy: stateful,
      });
    const ingest = fn('ingest', 512, 10, {
      STREAMS_TABLE: names.STREAMS_TABLE,
      CONTRACTS_TABLE: names.CONTRACTS_TABLE,
      KEY_LINKS_TABLE: names.KEY_LINKS_TABLE,
      SOURCE_EVENTS_STREAM: this.sourceEvents.streamName,
      ...kmsKey,
      ...tokenIssuer,
    });
    const token = fn('token', 256, 10, {
      STREAMS_TABLE: names.STREAMS_TABLE,
      KEY_LINKS_TABLE: names.KEY_LINKS_TABLE,
      ...kmsKey,
      ...tokenIssuer,
    });
    const management = fn('management', 512, 15, {
      ACCOUNTS_TABLE: names.ACCOUNTS_TABLE,
      STREAMS_TABLE: names.STREAMS_TABLE,
      CONTRACTS_TABLE: names.CONTRACTS_TABLE,
      KEY_LINKS_TABLE: names.KEY_LINKS_TABLE,
      USAGE_TABLE: names.USAGE_TABLE,
      ...kmsKey,
      ...tokenIssuer,
      SIGNUP_MODE: 'bootstrap',
      BOOTSTRAP_SECRET_ARN: this.bootstrapSecret.secretArn,
    });
    const health = fn('health', 128, 3, {});
    const decrypter = fn('decrypter', 1024, 60, {
      STREAMS_TABLE: names.STREAMS_TABLE,
      CONTRACTS_TABLE: names.CONTRACTS_TABLE,
      KEY_LINKS_TABLE: names.KEY_LINKS_TABLE,
      USAGE_TABLE: names.USAGE_TABLE,
      DERIVED_EVENTS_STREAM: this.derivedEvents.streamName,
      ...kmsKey,
    });
    const wsAuthorizer = fn('ws-authorizer', 256, 10, {
      STREAMS_TABLE: names.STREAMS_TABLE,
      KEY_LINKS_TABLE: names.KEY_LINKS_TABLE,
      ...kmsKey,
      ...tokenIssuer,
    });
    const wsConnect = fn('ws-connect', 256, 10, { CONNECTIONS_TABLE: names.CONNECTIONS_TABLE });
    // WS_CALLBACK_URL is added below, once the WebSocket stage exists.
    const egress = fn('egress', 512, 60, { CONNECTIONS_TABLE: names.CONNECTIONS_TABLE });
    this.functions = {
      ingest,
      token,
      management,
      health,
      decrypter,
      egress,
      'ws-authorizer': wsAuthorizer,
      'ws-connect': wsConnect,
    };

    // ---- least-privilege grants (each function: only what its handler does) --------------------------
    const { tables } = this;
    const keyHierarchy = (f: HandlerFunction, ...actions: string[]) => this.key.grant(f.fn, ...actions);

    this.sourceEvents.grantWrite(ingest.fn);
    tables.streams.grantReadData(ingest.fn);
    tables.contracts.grantReadData(ingest.fn);
    tables.keyLinks.grantReadWriteData(ingest.fn);
    keyHierarchy(ingest, 'kms:GenerateDataKey', 'kms:Decrypt');

    tables.streams.grantReadData(token.fn);
    tables.keyLinks.grantReadWriteData(token.fn);
    keyHierarchy(token, 'kms:GenerateDataKey', 'kms:Decrypt');

    tables.accounts.grantReadWriteData(management.fn);
    tables.streams.grantReadWriteData(management.fn);
    tables.contracts.grantReadWriteData(management.fn);
    tables.keyLinks.grantReadWriteData(management.fn);
    tables.usage.grantReadData(management.fn);
    keyHierarchy(management, 'kms:GenerateDataKey', 'kms:Decrypt');
    this.bootstrapSecret.grantRead(management.fn);

    // The decrypter reads source events through its event source mapping (granted by the mapping).
    this.derivedEvents.grantWrite(decrypter.fn);
    tables.streams.grantReadData(decrypter.fn);
    tables.contracts.grantReadData(decrypter.fn);
    tables.keyLinks.grantReadData(decrypter.fn);
    tables.usage.grantWriteData(decrypter.fn);
    keyHierarchy(decrypter, 'kms:GenerateDataKey', 'kms:Decrypt');

    tables.connections.grantReadData(egress.fn);
    tables.connections.grant(egress.fn, 'dynamodb:DeleteItem');

    tables.streams.grantReadData(wsAuthorizer.fn);
    tables.keyLinks.grantReadData(wsAuthorizer.fn);
    keyHierarchy(wsAuthorizer, 'kms:Decrypt');

    tables.connections.grantWriteData(wsConnect.fn);

    // ---- stream consumers ---------------------------------------------------------------------------
    const onFailure = new SqsDlq(this.failureQueue);
    decrypter.fn.addEventSource(
      new KinesisEventSource(this.sourceEvents, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 200,
        maxBatchingWindow: Duration.seconds(1),
        parallelizationFactor: 1,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 3,
        maxRecordAge: Duration.hours(24),
        onFailure,
      }),
    );
    for (const stream of [this.sourceEvents, this.derivedEvents]) {
      egress.fn.addEventSource(
        new KinesisEventSource(stream, {
          startingPosition: lambda.StartingPosition.LATEST,
          batchSize: 100,
          maxBatchingWindow: Duration.seconds(0),
          parallelizationFactor: 1,
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          retryAttempts: 3,
          // Live delivery only: an event older than an hour is no use to a subscriber.
          maxRecordAge: Duration.hours(1),
          onFailure,
        }),
      );
    }

    // ---- HTTP API -----------------------------------------------------------------------------------
    const throttle = { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit };
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `${config.prefix}-http`,
      description: `${config.prefix}: ingest, token, management, health`,
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: stateful,
    });
    this.httpStage = new apigwv2.HttpStage(this, 'HttpApiDefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // No headers and no query string: tokens and secrets never reach the access log.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    const route = (routePath: string, method: apigwv2.HttpMethod, target: HandlerFunction, name: string) =>
      this.httpApi.addRoutes({
        path: routePath,
        methods: [method],
        integration: new HttpLambdaIntegration(name, target.fn),
      });
    route('/event', apigwv2.HttpMethod.POST, ingest, 'IngestIntegration');
    route('/auth/token', apigwv2.HttpMethod.POST, token, 'TokenIntegration');
    route('/v1/{proxy+}', apigwv2.HttpMethod.ANY, management, 'ManagementIntegration');
    route('/ready', apigwv2.HttpMethod.GET, health, 'HealthIntegration');

    // ---- WebSocket API ------------------------------------------------------------------------------
    const authorizer = new WebSocketLambdaAuthorizer('StreamTokenAuthorizer', wsAuthorizer.fn);
    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      apiName: `${config.prefix}-ws`,
      description: `${config.prefix}: subscribers receive stream events`,
      connectRouteOptions: {
        integration: new WebSocketLambdaIntegration('ConnectIntegration', wsConnect.fn),
        authorizer,
      },
      disconnectRouteOptions: {
        integration: new WebSocketLambdaIntegration('DisconnectIntegration', wsConnect.fn),
      },
    });
    // The token may come as `Authorization: Bearer …` or `?token=…` (browsers cannot set headers on a
    // WebSocket). API Gateway refuses a request lacking ANY configured identity source without calling
    // the authorizer, so the authorizer has none and checks both places itself.
    const cfnAuthorizer = this.webSocketApi.node
      .findAll()
      .find((c): c is apigwv2.CfnAuthorizer => c instanceof apigwv2.CfnAuthorizer);
    cfnAuthorizer?.addPropertyDeletionOverride('IdentitySource');

    this.webSocketStage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: WEBSOCKET_STAGE,
      autoDeploy: true,
      throttle,
    });
    this.webSocketStage.grantManagementApiAccess(egress.fn);
    egress.fn.addEnvironment('WS_CALLBACK_URL', this.webSocketStage.callbackUrl);

    // ---- outputs (read by `strm context import --outputs-file`) --------------------------------------
    new CfnOutput(this, 'HttpApiUrl', { value: this.httpApi.apiEndpoint, description: 'HTTP API base URL' });
    new CfnOutput(this, 'WebSocketUrl', { value: this.webSocketStage.url, description: 'WebSocket URL' });
    new CfnOutput(this, 'BootstrapSecretArn', {
      value: this.bootstrapSecret.secretArn,
      description:
        'aws secretsmanager get-secret-value --secret-id <this> → bootstrapSecret for the first sign-up',
    });
    new CfnOutput(this, 'Region', { value: this.region, description: 'Deployment region' });

    if (props.acknowledgeNagFindings === false) return;
    acknowledgeNagFindings({
      functions: Object.values(this.functions),
      encryptedWriters: [ingest, token, management, decrypter, egress, wsConnect],
      egress,
      wsConnect,
      connectionsTable: this.tables.connections,
      webSocketStageName: WEBSOCKET_STAGE,
      httpApi: this.httpApi,
      webSocketApi: this.webSocketApi,
      webSocketStage: this.webSocketStage,
      failureQueue: this.failureQueue,
      bootstrapSecret: this.bootstrapSecret,
      eventStreams: [this.sourceEvents, this.derivedEvents],
    });
  }
}

function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}
