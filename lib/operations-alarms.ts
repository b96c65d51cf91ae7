import { Duration } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { constructId } from './construct-ids';

/**
 * A consumer of a Kinesis stream through an event-source mapping lags by more than this (the age of the
 * newest record it has just read): live delivery is meant to take well under a second, the longest
 * batching window is 10 s (exporter), so a minute behind means it no longer keeps up. Far below the
 * shortest maximum record age (egress: 1 h), so it fires long before records are skipped.
 */
export const ITERATOR_AGE_THRESHOLD_MS = 60_000;
/** …for this many consecutive minutes: one slow batch or a cold start does not page anyone. */
export const ITERATOR_AGE_MINUTES = 5;

/**
 * A message in a dead-letter queue is a batch of events given up on after all retries: always worth a
 * look, so one message is enough.
 */
export const DEAD_LETTER_MESSAGES_THRESHOLD = 1;

/**
 * Function errors are unhandled failures (bad input is a 4xx answer, not an error), throttles mean the
 * account's concurrency ran out: one in a 5-minute period counts…
 */
export const FUNCTION_ERRORS_THRESHOLD = 1;
export const FUNCTION_THROTTLES_THRESHOLD = 1;
/**
 * Kinesis refused writes (PutRecord and PutRecords records over a shard's 1,000 records/s or 1 MB/s, or
 * over an on-demand stream's current capacity): producers then get 429s and the decrypter retries, which
 * is neither a function error nor a 5xx. Any refusal in 2 of 3 periods means the streams need shards.
 */
export const STREAM_WRITE_THROTTLES_THRESHOLD = 1;
/** API 5xx (HTTP API) and integration/execution errors (WebSocket API) in a 5-minute period, likewise. */
export const API_SERVER_ERRORS_THRESHOLD = 1;
/**
 * …in 2 of the last 3 periods: a single transient failure (a retried batch, one dependency timeout)
 * does not page, a failure that persists for 10 minutes does.
 */
export const ERROR_PERIOD = Duration.minutes(5);
export const ERROR_DATAPOINTS_TO_ALARM = 2;
export const ERROR_EVALUATION_PERIODS = 3;

export interface OperationsAlarmsProps {
  /** Alarm names start with this (the deployment prefix). */
  readonly prefix: string;
  /** Every function of the stack, by topology name: errors and throttles. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The functions that consume a Kinesis stream through an event-source mapping: iterator age. */
  readonly streamConsumers: readonly string[];
  /** The stack's Kinesis streams, by topology name: writes refused for capacity. */
  readonly eventStreams: Readonly<Record<string, kinesis.IStream>>;
  /** Every dead-letter queue of the stack, by name: messages visible. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  readonly httpApi: apigwv2.IHttpApi;
  readonly webSocketApi: apigwv2.IWebSocketApi;
  readonly webSocketStageName: string;
  /** Mail the alarms to this address (an SNS topic and its e-mail subscription); none: alarms only. */
  readonly alarmEmail?: string;
}

/**
 * The stack's CloudWatch alarms: iterator age of each stream consumer, refused writes of each Kinesis
 * stream, dead-letter queue depth, errors
 * and throttles of each function, server errors of both APIs. A quiet stack sends no data points, which
 * counts as fine (missing data is not breaching). With `alarmEmail`, every alarm notifies an SNS topic.
 */
export class OperationsAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic?: sns.Topic;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: OperationsAlarmsProps,
  ) {
    super(scope, id);
    for (const [name, fn] of Object.entries(props.functions)) {
      this.functionAlarms(name, fn);
    }
    for (const name of new Set(props.streamConsumers)) {
      const fn = props.functions[name];
      if (!fn) throw new Error(`stream consumer ${name} is not among the functions`);
      this.iteratorAgeAlarm(name, fn);
    }
    for (const [name, stream] of Object.entries(props.eventStreams)) {
      this.add(`${constructId(name)}WriteThrottles`, {
        alarmDescription: `Kinesis stream ${name} refused writes for capacity: add shards (provisioned) or spread the load.`,
        metric: stream.metricWriteProvisionedThroughputExceeded({ statistic: 'Sum', period: ERROR_PERIOD }),
        threshold: STREAM_WRITE_THROTTLES_THRESHOLD,
        evaluationPeriods: ERROR_EVALUATION_PERIODS,
        datapointsToAlarm: ERROR_DATAPOINTS_TO_ALARM,
      });
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.add(`${constructId(name)}Depth`, {
        alarmDescription: `Messages are waiting in the dead-letter queue ${name}: inspect them, fix the cause, replay or delete.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        threshold: DEAD_LETTER_MESSAGES_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    this.apiAlarms();
    if (props.alarmEmail) {
      // Not KMS-encrypted: notifications hold alarm names and values only, CloudWatch cannot publish to a
      // topic under the AWS managed SNS key, and the project key stays closed to other services.
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: `${props.prefix} alarms`,
        enforceSSL: true,
      });
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      const action = new cloudwatchActions.SnsAction(this.topic);
      for (const alarm of this.alarms) alarm.addAlarmAction(action);
    }
  }

  private functionAlarms(name: string, fn: lambda.IFunction): void {
    const id = constructId(name);
    this.add(`${id}Errors`, {
      alarmDescription: `${name}: invocations failed (unhandled errors or timeouts); see its log group.`,
      metric: fn.metricErrors({ statistic: 'Sum', period: ERROR_PERIOD }),
      threshold: FUNCTION_ERRORS_THRESHOLD,
      evaluationPeriods: ERROR_EVALUATION_PERIODS,
      datapointsToAlarm: ERROR_DATAPOINTS_TO_ALARM,
    });
    this.add(`${id}Throttles`, {
      alarmDescription: `${name}: invocations throttled (account or function concurrency exhausted).`,
      metric: fn.metricThrottles({ statistic: 'Sum', period: ERROR_PERIOD }),
      threshold: FUNCTION_THROTTLES_THRESHOLD,
      evaluationPeriods: ERROR_EVALUATION_PERIODS,
      datapointsToAlarm: ERROR_DATAPOINTS_TO_ALARM,
    });
  }

  /**
   * Lambda's IteratorAge of the function (the oldest of its mappings), not the stream's
   * GetRecords.IteratorAgeMilliseconds: exporter backfills read old records directly, which would make
   * the stream metric look behind whenever a backfill runs.
   */
  private iteratorAgeAlarm(name: string, fn: lambda.IFunction): void {
    this.add(`${constructId(name)}IteratorAge`, {
      alarmDescription: `${name}: its Kinesis event-source mapping(s) fall behind the stream by over ${ITERATOR_AGE_THRESHOLD_MS / 1000} s.`,
      metric: fn.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: ITERATOR_AGE_THRESHOLD_MS,
      evaluationPeriods: ITERATOR_AGE_MINUTES,
    });
  }

  private apiAlarms(): void {
    const { httpApi, webSocketApi, webSocketStageName } = this.props;
    this.add('HttpApiServerErrors', {
      alarmDescription: 'HTTP API answered 5xx (a function failed or API Gateway could not reach it).',
      metric: httpApi.metricServerError({ statistic: 'Sum', period: ERROR_PERIOD }),
      threshold: API_SERVER_ERRORS_THRESHOLD,
      evaluationPeriods: ERROR_EVALUATION_PERIODS,
      datapointsToAlarm: ERROR_DATAPOINTS_TO_ALARM,
    });
    // WebSocket APIs report no 5xx metric: their server-side failures are ExecutionError (calling the
    // integration failed) and IntegrationError (the integration answered 4xx/5xx).
    const webSocketErrors = {
      ExecutionError: 'WebSocket API could not call the $connect/$disconnect function or its authorizer.',
      IntegrationError:
        'WebSocket API: the $connect/$disconnect function answered 4xx/5xx (it does only when it fails or is misrouted).',
    };
    for (const [metricName, alarmDescription] of Object.entries(webSocketErrors)) {
      this.add(`WebSocketApi${metricName}s`, {
        alarmDescription,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/ApiGateway',
          metricName,
          dimensionsMap: { ApiId: webSocketApi.apiId, Stage: webSocketStageName },
          statistic: 'Sum',
          period: ERROR_PERIOD,
        }),
        threshold: API_SERVER_ERRORS_THRESHOLD,
        evaluationPeriods: ERROR_EVALUATION_PERIODS,
        datapointsToAlarm: ERROR_DATAPOINTS_TO_ALARM,
      });
    }
  }

  private add(
    id: string,
    props: Omit<cloudwatch.AlarmProps, 'comparisonOperator' | 'treatMissingData'>,
  ): void {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: `${this.props.prefix}-${id}`,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No traffic, no data points: a quiet stack is a healthy one.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    this.alarms.push(alarm);
  }
}
