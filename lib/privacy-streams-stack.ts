import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ConsoleHosting } from './console-hosting';
import { constructId } from './construct-ids';
import { DataTables } from './data-tables';
import { ExportBuckets } from './export-buckets';
import { type EnvSource, resolveEnvironment } from './function-environment';
import { grantAccess, writesEncryptedData } from './function-grants';
import { HandlerFunction } from './handler-function';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { OperationsAlarms } from './operations-alarms';
import { findProjectRoot } from './project-root';
import { type PrivacyStreamsConfig, statefulRemovalPolicy } from './stack-config';
import { type EventStreamName, FUNCTION_NAMES, type FunctionName, TOPOLOGY } from './topology';

export interface PrivacyStreamsStackProps extends StackProps {
  readonly config: PrivacyStreamsConfig;
  /** Record the deliberate cdk-nag findings as acknowledged (default true; tests turn it off to see them all). */
  readonly acknowledgeNagFindings?: boolean;
}

/** Logical ids of the outputs `strm context import` reads from `cdk deploy --outputs-file`. */
export const OUTPUT_IDS = [
  'HttpApiUrl',
  'WebSocketUrl',
  'BootstrapSecretArn',
  'Region',
  'ConsoleUrl',
  'EdgeUrl',
] as const;

/** Stage name of the WebSocket API (part of the wss:// URL and the @connections callback URL). */
export const WEBSOCKET_STAGE = TOPOLOGY.webSocketApi.stage;

/**
 * The topology (lib/topology.ts) on AWS, in one stack: HTTP API → Kinesis source events → decrypter →
 * Kinesis derived events → egress fan-out → WebSocket API; DynamoDB tables, one KMS key as the root of the
 * key hierarchy, and the sign-up bootstrap secret. Every function gets exactly its topology access, as
 * IAM grants and as environment variables.
 */
export class PrivacyStreamsStack extends Stack {
  readonly key: kms.Key;
  readonly tables: DataTables;
  readonly eventStreams: Readonly<Record<EventStreamName, kinesis.Stream>>;
  readonly failureQueue: sqs.Queue;
  readonly bootstrapSecret: secretsmanager.Secret;
  readonly functions: Readonly<Record<FunctionName, HandlerFunction>>;
  readonly httpApi: apigwv2.HttpApi;
  readonly httpStage: apigwv2.HttpStage;
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly webSocketStage: apigwv2.WebSocketStage;
  readonly console: ConsoleHosting;
  readonly buckets: ExportBuckets;
  readonly scheduleRules: readonly events.Rule[];
  readonly alarms: OperationsAlarms;

  constructor(scope: Construct, id: string, props: PrivacyStreamsStackProps) {
    super(scope, id, props);
    const { config } = props;
    const stateful = statefulRemovalPolicy(config);

    this.key = new kms.Key(this, 'Key', {
      description: `${config.prefix}: root of the key hierarchy; encrypts tables, streams, queue, secret`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(config.keyRotationDays),
      alias: `alias/${config.prefix}`,
      removalPolicy: stateful,
      pendingWindow: Duration.days(7),
    });
    this.tables = new DataTables(this, 'Tables', { key: this.key, removalPolicy: stateful });
    this.eventStreams = this.createEventStreams(config);
    this.buckets = new ExportBuckets(this, 'Buckets', { key: this.key, config, removalPolicy: stateful });
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
    // The WebSocket API and stage come before the functions: egress needs the stage's callback URL.
    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      apiName: `${config.prefix}-ws`,
      description: `${config.prefix}: subscribers receive stream events`,
    });
    this.webSocketStage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: WEBSOCKET_STAGE,
      autoDeploy: true,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
    });

    this.functions = this.createFunctions(config, stateful);
    this.addEventSourceMappings();
    this.scheduleRules = this.addSchedules();
    [this.httpApi, this.httpStage] = this.createHttpApi(config, stateful);
    this.addWebSocketRoutes();
    // The web console and both APIs behind one CloudFront origin (lib/console-hosting.ts).
    this.console = new ConsoleHosting(this, 'Console', {
      httpApiId: this.httpApi.apiId,
      webSocketApiId: this.webSocketApi.apiId,
      webSocketStage: WEBSOCKET_STAGE,
      acknowledgeNagFindings: props.acknowledgeNagFindings,
    });
    this.alarms = new OperationsAlarms(this, 'Alarms', {
      prefix: config.prefix,
      functions: Object.fromEntries(FUNCTION_NAMES.map((name) => [name, this.functions[name].fn])),
      streamConsumers: TOPOLOGY.eventSourceMappings.map((m) => m.function),
      eventStreams: this.eventStreams,
      deadLetterQueues: { StreamFailures: this.failureQueue },
      httpApi: this.httpApi,
      webSocketApi: this.webSocketApi,
      webSocketStageName: WEBSOCKET_STAGE,
      alarmEmail: config.alarmEmail,
    });
    this.addOutputs();

    if (props.acknowledgeNagFindings === false) return;
    acknowledgeNagFindings({
      functions: Object.values(this.functions),
      encryptedWriters: FUNCTION_NAMES.filter((name) =>
        writesEncryptedData(TOPOLOGY.functions[name].access),
      ).map((name) => this.functions[name]),
      egress: this.functions.egress,
      management: this.functions.management,
      wsConnect: this.functions['ws-connect'],
      connectionsTable: this.tables.byName.connections,
      webSocketStageName: WEBSOCKET_STAGE,
      httpApi: this.httpApi,
      webSocketApi: this.webSocketApi,
      webSocketStage: this.webSocketStage,
      failureQueue: this.failureQueue,
      bootstrapSecret: this.bootstrapSecret,
      eventStreams: Object.values(this.eventStreams),
      scheduled: TOPOLOGY.schedules.map((schedule) => this.functions[schedule.function]),
      accessLogsBucket: this.buckets.accessLogs,
      exporter: this.functions.exporter,
      exportsBucket: this.buckets.byName.exports,
      exportersTable: this.tables.byName.exporters,
      exportStateTable: this.tables.byName.exportState,
      scheduleRules: this.scheduleRules,
      grantedBucketNames: config.exportBuckets,
      tracing: config.tracing === 'active',
      alarmTopic: this.alarms.topic,
    });
  }

  private createEventStreams(config: PrivacyStreamsConfig): Record<EventStreamName, kinesis.Stream> {
    const streams = {} as Record<EventStreamName, kinesis.Stream>;
    for (const name of Object.keys(TOPOLOGY.eventStreams) as EventStreamName[]) {
      streams[name] = new kinesis.Stream(this, constructId(name), {
        // Provisioned: a fixed shard-hour price instead of on-demand's higher per-stream-hour one (small stacks).
        ...(config.streamMode === 'provisioned'
          ? { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: config.shardCount }
          : { streamMode: kinesis.StreamMode.ON_DEMAND }),
        encryption: kinesis.StreamEncryption.KMS,
        encryptionKey: this.key,
        retentionPeriod: Duration.hours(TOPOLOGY.eventStreams[name].retentionHours ?? config.retentionHours),
        // Events are only in flight here (tables hold the state); a kept stream would keep billing.
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    return streams;
  }

  /** The value of one topology variable in this stack. */
  private envValue(source: EnvSource, config: PrivacyStreamsConfig): string {
    switch (source.kind) {
      case 'table':
        return this.tables.byName[source.table].tableName;
      case 'stream':
        return this.eventStreams[source.stream].streamName;
      case 'kmsKey':
        return this.key.keyArn;
      case 'bootstrapSecret':
        return this.bootstrapSecret.secretArn;
      case 'webSocketCallbackUrl':
        return this.webSocketStage.callbackUrl;
      case 'bucket':
        return this.buckets.byName[source.bucket].bucketName;
      case 'grantedBuckets':
        return config.exportBuckets.join(',');
      case 'fixed':
        return 'config' in source.value ? config[source.value.config] : source.value.value;
    }
  }

  /** One HandlerFunction per topology function, with its variables and its grants, nothing more. */
  private createFunctions(
    config: PrivacyStreamsConfig,
    stateful: RemovalPolicy,
  ): Record<FunctionName, HandlerFunction> {
    const projectRoot = findProjectRoot(__dirname);
    const targets = {
      tables: this.tables.byName,
      streams: this.eventStreams,
      key: this.key,
      bootstrapSecret: this.bootstrapSecret,
      buckets: this.buckets.byName,
      grantedBuckets: this.buckets.granted,
    };
    const functions = {} as Record<FunctionName, HandlerFunction>;
    for (const name of FUNCTION_NAMES) {
      const spec = TOPOLOGY.functions[name];
      const fn = new HandlerFunction(this, constructId(name), {
        spec,
        projectRoot,
        functionName: `${config.prefix}-${name}`,
        environment: resolveEnvironment(name, (source) => this.envValue(source, config)),
        logRetentionDays: config.logRetentionDays,
        logRemovalPolicy: stateful,
        tracing: config.tracing === 'active',
      });
      grantAccess(fn.fn, spec.access, targets);
      if (spec.access.webSocketConnections) this.webSocketStage.grantManagementApiAccess(fn.fn);
      functions[name] = fn;
    }
    return functions;
  }

  /** The topology's Kinesis → Lambda mappings; each also grants its function the stream read. */
  private addEventSourceMappings(): void {
    const onFailure = new SqsDlq(this.failureQueue);
    for (const m of TOPOLOGY.eventSourceMappings) {
      this.functions[m.function].fn.addEventSource(
        new KinesisEventSource(this.eventStreams[m.stream], {
          startingPosition: lambda.StartingPosition[m.startingPosition],
          batchSize: m.batchSize,
          maxBatchingWindow: Duration.seconds(m.maxBatchingWindowSeconds),
          parallelizationFactor: m.parallelizationFactor,
          bisectBatchOnError: m.bisectBatchOnFunctionError,
          reportBatchItemFailures: m.reportBatchItemFailures,
          retryAttempts: m.retryAttempts,
          maxRecordAge: Duration.seconds(m.maxRecordAgeSeconds),
          onFailure,
        }),
      );
    }
  }

  /** The topology's schedules: an EventBridge rule per schedule, invoking its function. */
  private addSchedules(): events.Rule[] {
    return TOPOLOGY.schedules.map((schedule) => {
      const rule = new events.Rule(this, `${constructId(schedule.function)}Schedule`, {
        description: `${this.stackName}: invokes ${schedule.function} every ${schedule.rateMinutes} minute(s)`,
        schedule: events.Schedule.rate(Duration.minutes(schedule.rateMinutes)),
        // A missed tick is not retried: the next one does the same work a minute later.
        targets: [
          new eventTargets.LambdaFunction(this.functions[schedule.function].fn, { retryAttempts: 0 }),
        ],
      });
      return rule;
    });
  }

  private createHttpApi(
    config: PrivacyStreamsConfig,
    stateful: RemovalPolicy,
  ): [apigwv2.HttpApi, apigwv2.HttpStage] {
    const httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `${config.prefix}-http`,
      description: `${config.prefix}: ingest, token, management, health`,
      createDefaultStage: false,
    });
    const accessLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', {
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: stateful,
    });
    const stage = new apigwv2.HttpStage(this, 'HttpApiDefaultStage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.throttleRateLimit, burstLimit: config.throttleBurstLimit },
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
    // One integration per function, shared by all of its routes.
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of TOPOLOGY.httpApi.routes) {
      const integration =
        integrations.get(route.function) ??
        new HttpLambdaIntegration(
          `${constructId(route.function)}Integration`,
          this.functions[route.function].fn,
        );
      integrations.set(route.function, integration);
      httpApi.addRoutes({ path: route.path, methods: [apigwv2.HttpMethod[route.method]], integration });
    }
    return [httpApi, stage];
  }

  private addWebSocketRoutes(): void {
    const { connect, disconnect } = TOPOLOGY.webSocketApi;
    const authorizer = new WebSocketLambdaAuthorizer(
      'StreamTokenAuthorizer',
      this.functions[connect.authorizer].fn,
    );
    this.webSocketApi.addRoute('$connect', {
      integration: new WebSocketLambdaIntegration('ConnectIntegration', this.functions[connect.function].fn),
      authorizer,
    });
    this.webSocketApi.addRoute('$disconnect', {
      integration: new WebSocketLambdaIntegration(
        'DisconnectIntegration',
        this.functions[disconnect.function].fn,
      ),
    });
    // The token may come as `Authorization: Bearer …` or `?token=…` (browsers cannot set headers on a
    // WebSocket). API Gateway refuses a request lacking ANY configured identity source without calling
    // the authorizer, so the authorizer has none and checks both places itself.
    const cfnAuthorizer = this.webSocketApi.node
      .findAll()
      .find((c): c is apigwv2.CfnAuthorizer => c instanceof apigwv2.CfnAuthorizer);
    cfnAuthorizer?.addPropertyDeletionOverride('IdentitySource');
  }

  /** Read by `strm context import --outputs-file`. */
  private addOutputs(): void {
    new CfnOutput(this, 'HttpApiUrl', { value: this.httpApi.apiEndpoint, description: 'HTTP API base URL' });
    new CfnOutput(this, 'WebSocketUrl', { value: this.webSocketStage.url, description: 'WebSocket URL' });
    new CfnOutput(this, 'BootstrapSecretArn', {
      value: this.bootstrapSecret.secretArn,
      description:
        'aws secretsmanager get-secret-value --secret-id <this> → bootstrapSecret for the first sign-up',
    });
    new CfnOutput(this, 'Region', { value: this.region, description: 'Deployment region' });
    new CfnOutput(this, 'ConsoleUrl', {
      value: `https://${this.console.distribution.distributionDomainName}/console/`,
      description: 'The web console (the APIs answer under the same origin)',
    });
    // The original STRM Node driver speaks only HTTP/2; the API Gateway documentation does not say an HTTP
    // API negotiates it, CloudFront documents HTTP/2 to viewers: the console's distribution is that host.
    new CfnOutput(this, 'EdgeUrl', {
      value: `https://${this.console.distribution.distributionDomainName}`,
      description:
        'HTTP/2 front door (CloudFront) for the original STRM drivers: POST /event, the token endpoints and /ws on one host',
    });
  }
}
