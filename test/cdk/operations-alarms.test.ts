import type { Template } from 'aws-cdk-lib/assertions';
import { ITERATOR_AGE_MINUTES, ITERATOR_AGE_THRESHOLD_MS } from '../../lib/operations-alarms';
import { TOPOLOGY } from '../../lib/topology';
import { deadLetterQueueIds, expectedAlarms, hasAlarm, missingAlarms } from './alarm-coverage';
import { synthesizedTemplates } from './synth-once';
import { type Resource, resourcesOf, synthPrivacyStreams } from './synth-stack';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
type TemplateJson = { Resources: Record<string, any> };

let template: Template;
let json: TemplateJson;
beforeAll(() => {
  template = synthesizedTemplates().template;
  json = template.toJSON() as TemplateJson;
});

const alarms = (): Resource[] => Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
const ids = (type: string) => Object.keys(resourcesOf(template, type));
const expectedOf = (metricName: string) =>
  expectedAlarms(json.Resources).filter((e) => e.metricName === metricName);
const deepCopy = (value: TemplateJson): TemplateJson => JSON.parse(JSON.stringify(value));

describe('the alarm coverage check', () => {
  it('reports a function and a dead-letter queue added without alarms', () => {
    // Prepare: the stack's template plus a function and a queue that another queue dead-letters to
    const changed = deepCopy(json);
    changed.Resources.ExtraFunction = { Type: 'AWS::Lambda::Function', Properties: {} };
    changed.Resources.ExtraDlq = { Type: 'AWS::SQS::Queue', Properties: {} };
    changed.Resources.ExtraWork = {
      Type: 'AWS::SQS::Queue',
      Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['ExtraDlq', 'Arn'] } } },
    };

    // Act
    const missing = missingAlarms(changed);

    // Assess
    expect(missing).toEqual([
      { namespace: 'AWS/Lambda', metricName: 'Errors', logicalId: 'ExtraFunction' },
      { namespace: 'AWS/Lambda', metricName: 'Throttles', logicalId: 'ExtraFunction' },
      { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', logicalId: 'ExtraDlq' },
    ]);
  });

  it('reports a Kinesis stream added without a write-throttle alarm', () => {
    // Prepare
    const changed = deepCopy(json);
    changed.Resources.ExtraStream = { Type: 'AWS::Kinesis::Stream', Properties: {} };

    // Act
    const missing = missingAlarms(changed);

    // Assess
    expect(missing).toEqual([
      {
        namespace: 'AWS/Kinesis',
        metricName: 'WriteProvisionedThroughputExceeded',
        logicalId: 'ExtraStream',
      },
    ]);
  });

  it('reports an alarm that watches the right metric of another resource as missing', () => {
    // Prepare: point the ingest errors alarm at the health function
    const changed = deepCopy(json);
    const [ingest, health] = ['Ingest', 'Health'].map(
      (name) => Object.keys(changed.Resources).find((id) => id.startsWith(`${name}Function`))!,
    );
    const ingestErrors = Object.values(changed.Resources).find(
      (r) => r.Properties?.AlarmName === 'privacy-streams-IngestErrors',
    );
    ingestErrors.Properties.Dimensions = [{ Name: 'FunctionName', Value: { Ref: health } }];

    // Act
    const missing = missingAlarms(changed);

    // Assess
    expect(missing).toEqual([{ namespace: 'AWS/Lambda', metricName: 'Errors', logicalId: ingest }]);
  });

  it('finds dead-letter queues behind event-source mappings, redrive policies, functions and rules', () => {
    // Prepare
    const resources = {
      A: { Type: 'AWS::SQS::Queue' },
      B: { Type: 'AWS::SQS::Queue' },
      C: { Type: 'AWS::SQS::Queue' },
      D: { Type: 'AWS::SQS::Queue' },
      Work: { Type: 'AWS::SQS::Queue', Properties: {} },
      M: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['A', 'Arn'] } } } },
      },
      Q: {
        Type: 'AWS::SQS::Queue',
        Properties: { RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['B', 'Arn'] } } },
      },
      F: {
        Type: 'AWS::Lambda::Function',
        Properties: { DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['C', 'Arn'] } } },
      },
      R: {
        Type: 'AWS::Events::Rule',
        Properties: { Targets: [{ DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['D', 'Arn'] } } }] },
      },
    };

    // Act
    const queues = deadLetterQueueIds(resources);

    // Assess: the work queue is not a dead-letter queue
    expect(queues).toEqual(['A', 'B', 'C', 'D']);
  });
});

describe('operations alarms of the stack', () => {
  it('leave nothing the template contains without its alarm', () => {
    // Prepare: what the template's own resources call for
    const expected = expectedAlarms(json.Resources);

    // Act
    const missing = missingAlarms(json);

    // Assess
    expect(expected.length).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });

  it('every dead-letter queue has a depth alarm that fires on one visible message', () => {
    // Prepare
    const queues = deadLetterQueueIds(json.Resources);

    // Act
    const depthAlarms = alarms().filter(
      (a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );

    // Assess
    // Today: the StreamFailures queue of the event-source mappings.
    expect(queues).toEqual(ids('AWS::SQS::Queue').filter((id) => id.startsWith('StreamFailures')));
    expect(queues).toHaveLength(1);
    for (const queue of queues) {
      const alarm = depthAlarms.find((a) => JSON.stringify(a.Properties.Dimensions).includes(`"${queue}"`));
      expect(alarm?.Properties).toMatchObject({
        Namespace: 'AWS/SQS',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
      });
    }
  });

  it('every Kinesis stream has an alarm on writes it refused for capacity', () => {
    // Prepare
    const streams = ids('AWS::Kinesis::Stream');

    // Act
    const throttleAlarms = alarms().filter(
      (a) => a.Properties.MetricName === 'WriteProvisionedThroughputExceeded',
    );

    // Assess: both internal streams, each watched by its name
    expect(streams).toHaveLength(2);
    for (const stream of streams) {
      const alarm = throttleAlarms.find((a) =>
        JSON.stringify(a.Properties.Dimensions).includes(`"${stream}"`),
      );
      expect(alarm?.Properties).toMatchObject({
        Namespace: 'AWS/Kinesis',
        Statistic: 'Sum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
    }
  });

  it('every function has an errors and a throttles alarm', () => {
    // Prepare
    const functions = ids('AWS::Lambda::Function');

    // Act
    const alarmed = (metricName: string) =>
      functions.filter((id) =>
        hasAlarm(json.Resources, { namespace: 'AWS/Lambda', metricName, logicalId: id }),
      );

    // Assess
    expect(functions).toHaveLength(Object.keys(TOPOLOGY.functions).length);
    expect(alarmed('Errors')).toEqual(functions);
    expect(alarmed('Throttles')).toEqual(functions);
  });

  it('each function consuming a stream through an event-source mapping has an iterator-age alarm', () => {
    // Prepare: decrypter, egress and exporter consume the streams
    const consumers = expectedOf('IteratorAge');

    // Act
    const ageAlarms = alarms().filter((a) => a.Properties.MetricName === 'IteratorAge');

    // Assess
    expect(consumers.map((c) => c.logicalId.replace(/Function.*$/, ''))).toEqual([
      'Decrypter',
      'Egress',
      'Exporter',
    ]);
    expect(ageAlarms).toHaveLength(consumers.length);
    for (const consumer of consumers) expect(hasAlarm(json.Resources, consumer)).toBe(true);
    for (const alarm of ageAlarms) {
      expect(alarm.Properties).toMatchObject({
        Statistic: 'Maximum',
        Period: 60,
        Threshold: ITERATOR_AGE_THRESHOLD_MS,
        EvaluationPeriods: ITERATOR_AGE_MINUTES,
      });
    }
  });

  it('the iterator-age alarm fires long before any mapping skips records for their age', () => {
    // Prepare
    const shortestMaxAgeMs = Math.min(
      ...TOPOLOGY.eventSourceMappings.map((m) => m.maxRecordAgeSeconds * 1000),
    );

    // Act: the lag at which it has fired, plus the minutes it must last
    const firedBy = ITERATOR_AGE_THRESHOLD_MS + ITERATOR_AGE_MINUTES * 60_000;

    // Assess: at most a tenth of the shortest maximum record age (egress: 1 h)
    expect(firedBy).toBeLessThanOrEqual(shortestMaxAgeMs / 10);
  });

  it('the HTTP API has a 5xx alarm', () => {
    // Prepare
    const [httpApi] = Object.entries(resourcesOf(template, 'AWS::ApiGatewayV2::Api')).find(
      ([, r]) => r.Properties.ProtocolType === 'HTTP',
    )!;

    // Act
    const alarmed = hasAlarm(json.Resources, {
      namespace: 'AWS/ApiGateway',
      metricName: '5xx',
      logicalId: httpApi,
    });

    // Assess
    expect(alarmed).toBe(true);
  });

  it('the WebSocket API has execution-error and integration-error alarms on its stage (it reports no 5xx metric)', () => {
    // Prepare
    const [webSocketApi] = Object.entries(resourcesOf(template, 'AWS::ApiGatewayV2::Api')).find(
      ([, r]) => r.Properties.ProtocolType === 'WEBSOCKET',
    )!;

    // Act
    const wsAlarms = alarms().filter((a) =>
      JSON.stringify(a.Properties.Dimensions).includes(`"${webSocketApi}"`),
    );

    // Assess
    expect(wsAlarms.map((a) => a.Properties.MetricName).sort()).toEqual([
      'ExecutionError',
      'IntegrationError',
    ]);
    for (const alarm of wsAlarms) {
      expect(alarm.Properties.Dimensions).toContainEqual({
        Name: 'Stage',
        Value: TOPOLOGY.webSocketApi.stage,
      });
    }
  });

  it('treat a quiet stack (no data points) as healthy', () => {
    // Act
    const treatments = new Set(alarms().map((a) => a.Properties.TreatMissingData));

    // Assess
    expect(treatments).toEqual(new Set(['notBreaching']));
  });

  it('exist without an e-mail address, with no topic and no alarm actions', () => {
    // Act
    const actions = alarms().flatMap((a) => a.Properties.AlarmActions ?? []);

    // Assess
    expect(alarms().length).toBeGreaterThan(20);
    expect(actions).toEqual([]);
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });
});

describe('operations alarms with -c alarmEmail', () => {
  let mailed: Template;
  beforeAll(() => {
    mailed = synthPrivacyStreams({ bundle: false, context: { alarmEmail: 'ops@example.com' } }).template;
  });

  it('mails to the address through an SNS topic that requires TLS', () => {
    // Act
    const [topicId] = Object.keys(resourcesOf(mailed, 'AWS::SNS::Topic'));

    // Assess
    mailed.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
    const policy = Object.values(resourcesOf(mailed, 'AWS::SNS::TopicPolicy'))[0];
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
  });

  it('every alarm notifies the topic', () => {
    // Prepare
    const [topicId] = Object.keys(resourcesOf(mailed, 'AWS::SNS::Topic'));

    // Act
    const all = Object.values(resourcesOf(mailed, 'AWS::CloudWatch::Alarm'));

    // Assess
    expect(all.length).toBe(alarms().length);
    for (const alarm of all) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });
});
