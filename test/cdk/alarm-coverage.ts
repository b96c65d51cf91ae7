/**
 * Which alarms a synthesized template ought to have, derived from the template itself (its functions,
 * Kinesis streams, dead-letter queues, event-source mappings and APIs), and which of them it lacks. A
 * function, stream, queue or API added to the stack without its alarms shows up here, whoever added it.
 */

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
type Json = any;
type Resources = Record<string, { Type: string; Properties?: Json }>;

/** An alarm the template should have: a metric whose dimensions name one resource's logical id. */
export interface ExpectedAlarm {
  readonly namespace: string;
  readonly metricName: string;
  readonly logicalId: string;
}

const ofType = (resources: Resources, type: string) =>
  Object.entries(resources).filter(([, r]) => r.Type === type);

/** The logical id an ARN/Ref/GetAtt value points at (`{Ref: X}`, `{'Fn::GetAtt': [X, 'Arn']}`). */
function referencedId(value: Json): string | undefined {
  if (value?.Ref) return value.Ref;
  if (Array.isArray(value?.['Fn::GetAtt'])) return value['Fn::GetAtt'][0];
  return undefined;
}

/**
 * Every queue some resource sends its failures to: event-source mapping on-failure destinations,
 * SQS redrive targets, Lambda dead-letter configs, EventBridge target dead-letter configs.
 */
export function deadLetterQueueIds(resources: Resources): string[] {
  const targets: Json[] = [
    ...ofType(resources, 'AWS::Lambda::EventSourceMapping').map(
      ([, r]) => r.Properties?.DestinationConfig?.OnFailure?.Destination,
    ),
    ...ofType(resources, 'AWS::SQS::Queue').map(([, r]) => r.Properties?.RedrivePolicy?.deadLetterTargetArn),
    ...ofType(resources, 'AWS::Lambda::Function').map(([, r]) => r.Properties?.DeadLetterConfig?.TargetArn),
    ...ofType(resources, 'AWS::Events::Rule').flatMap(([, r]) =>
      (r.Properties?.Targets ?? []).map((t: Json) => t.DeadLetterConfig?.Arn),
    ),
  ];
  const ids = targets.map(referencedId).filter((id): id is string => id !== undefined);
  return [...new Set(ids)].filter((id) => resources[id]?.Type === 'AWS::SQS::Queue').sort();
}

export function expectedAlarms(resources: Resources): ExpectedAlarm[] {
  const lambdaAlarm = (metricName: string, logicalId: string) => ({
    namespace: 'AWS/Lambda',
    metricName,
    logicalId,
  });
  const functions = ofType(resources, 'AWS::Lambda::Function').flatMap(([id]) => [
    lambdaAlarm('Errors', id),
    lambdaAlarm('Throttles', id),
  ]);
  const consumers = new Set(
    ofType(resources, 'AWS::Lambda::EventSourceMapping').map(
      ([, r]) => referencedId(r.Properties.FunctionName)!,
    ),
  );
  const iteratorAge = [...consumers].map((id) => lambdaAlarm('IteratorAge', id));
  const queues = deadLetterQueueIds(resources).map((logicalId) => ({
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    logicalId,
  }));
  const apis = ofType(resources, 'AWS::ApiGatewayV2::Api').flatMap(([logicalId, r]) =>
    (r.Properties.ProtocolType === 'HTTP' ? ['5xx'] : ['ExecutionError', 'IntegrationError']).map(
      (metricName) => ({ namespace: 'AWS/ApiGateway', metricName, logicalId }),
    ),
  );
  const streams = ofType(resources, 'AWS::Kinesis::Stream').map(([logicalId]) => ({
    namespace: 'AWS/Kinesis',
    metricName: 'WriteProvisionedThroughputExceeded',
    logicalId,
  }));
  return [...functions, ...iteratorAge, ...streams, ...queues, ...apis];
}

/** Does some alarm watch this metric of this resource (a dimension value referring to its logical id)? */
export function hasAlarm(resources: Resources, expected: ExpectedAlarm): boolean {
  return ofType(resources, 'AWS::CloudWatch::Alarm').some(
    ([, alarm]) =>
      alarm.Properties.Namespace === expected.namespace &&
      alarm.Properties.MetricName === expected.metricName &&
      (alarm.Properties.Dimensions ?? []).some((d: Json) => referencedId(d.Value) === expected.logicalId),
  );
}

/** The expected alarms the template lacks. */
export function missingAlarms(template: { Resources: Resources }): ExpectedAlarm[] {
  return expectedAlarms(template.Resources).filter((expected) => !hasAlarm(template.Resources, expected));
}
