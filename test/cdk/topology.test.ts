import type { Template } from 'aws-cdk-lib/assertions';
import { TABLES } from '../../lambdas/aws/tables';
import { constructId } from '../../lib/construct-ids';
import { environmentOf } from '../../lib/function-environment';
import { DEFAULT_CONFIG } from '../../lib/stack-config';
import { FUNCTION_NAMES, TOPOLOGY } from '../../lib/topology';
import { logicalIdsOf, type Resource, resourcesOf, routeTargetOf, synthPrivacyStreams } from './synth-stack';

/**
 * The synthesised stack is the topology: every function, route, table, stream and event-source mapping
 * of lib/topology.ts is in the template with the topology's settings, and nothing else is.
 */

let template: Template;
beforeAll(() => {
  template = synthPrivacyStreams({ bundle: false }).template;
});

const functionNamed = (name: string): [string, Resource] => {
  const found = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).find(
    ([, r]) => r.Properties.FunctionName === `${DEFAULT_CONFIG.prefix}-${name}`,
  );
  if (!found) throw new Error(`no function for ${name}`);
  return found;
};
const tableNamed = (name: string) =>
  resourcesOf(template, 'AWS::DynamoDB::Table')[
    logicalIdsOf(template, 'AWS::DynamoDB::Table', `Tables${constructId(name)}`)[0]!
  ]!;

describe('functions', () => {
  it('the template has exactly the topology functions', () => {
    // Prepare
    const expected = FUNCTION_NAMES.map((name) => `${DEFAULT_CONFIG.prefix}-${name}`).sort();
    // Act
    const names = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).map(
      (r) => r.Properties.FunctionName,
    );
    // Assess
    expect(names.sort()).toEqual(expected);
  });

  it.each(FUNCTION_NAMES)('%s has the topology memory and timeout', (name) => {
    // Act
    const [, fn] = functionNamed(name);
    // Assess
    expect(fn.Properties.MemorySize).toBe(TOPOLOGY.functions[name].memoryMb);
    expect(fn.Properties.Timeout).toBe(TOPOLOGY.functions[name].timeoutSeconds);
  });

  it.each(FUNCTION_NAMES)('%s gets exactly the variables its topology access and env declare', (name) => {
    // Act
    const [, fn] = functionNamed(name);
    // Assess
    const declared = environmentOf(name).map(([variable]) => variable);
    expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual([...declared].sort());
  });

  it.each(FUNCTION_NAMES)('%s gets the AWS value of every fixed variable', (name) => {
    // Prepare
    const fixed = environmentOf(name).flatMap(([variable, source]) =>
      source.kind === 'fixed'
        ? [[variable, 'config' in source.value ? DEFAULT_CONFIG[source.value.config] : source.value.value]]
        : [],
    );
    // Act
    const [, fn] = functionNamed(name);
    // Assess
    expect(fn.Properties.Environment.Variables).toMatchObject(Object.fromEntries(fixed));
  });
});

describe('APIs', () => {
  it('every topology HTTP route exists and invokes its function', () => {
    for (const route of TOPOLOGY.httpApi.routes) {
      expect(routeTargetOf(template, `${route.method} ${route.path}`)).toBe(
        `${DEFAULT_CONFIG.prefix}-${route.function}`,
      );
    }
  });

  it('the HTTP API has no route the topology does not list', () => {
    // Act
    const routeKeys = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route'))
      .map((r) => r.Properties.RouteKey as string)
      .filter((key) => !key.startsWith('$'));
    // Assess
    expect(routeKeys.sort()).toEqual(TOPOLOGY.httpApi.routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('the WebSocket $connect and $disconnect routes invoke the topology functions', () => {
    const { connect, disconnect } = TOPOLOGY.webSocketApi;
    expect(routeTargetOf(template, '$connect')).toBe(`${DEFAULT_CONFIG.prefix}-${connect.function}`);
    expect(routeTargetOf(template, '$disconnect')).toBe(`${DEFAULT_CONFIG.prefix}-${disconnect.function}`);
    const [authorizer] = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer'));
    expect(JSON.stringify(authorizer!.Properties.AuthorizerUri)).toContain(
      functionNamed(connect.authorizer)[0],
    );
  });
});

describe('tables and streams', () => {
  it.each(Object.keys(TABLES))(
    'table %s has the key schema, TTL and indexes of lambdas/aws/tables.ts',
    (name) => {
      // Prepare
      const schema = TOPOLOGY.tables[name as keyof typeof TABLES];
      // Act
      const table = tableNamed(name).Properties;
      // Assess
      expect(table.KeySchema).toEqual([
        { AttributeName: schema.partitionKey.name, KeyType: 'HASH' },
        ...(schema.sortKey ? [{ AttributeName: schema.sortKey.name, KeyType: 'RANGE' }] : []),
      ]);
      expect(table.TimeToLiveSpecification?.AttributeName).toBe(schema.timeToLiveAttribute);
      expect(
        (table.GlobalSecondaryIndexes ?? []).map((i: { IndexName: string; KeySchema: unknown }) => [
          i.IndexName,
          i.KeySchema,
        ]),
      ).toEqual(
        (schema.globalSecondaryIndexes ?? []).map((i) => [
          i.indexName,
          [
            { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
            ...(i.sortKey ? [{ AttributeName: i.sortKey.name, KeyType: 'RANGE' }] : []),
          ],
        ]),
      );
    },
  );

  it('the template has exactly the topology tables and event streams', () => {
    expect(logicalIdsOf(template, 'AWS::DynamoDB::Table')).toHaveLength(Object.keys(TOPOLOGY.tables).length);
    expect(logicalIdsOf(template, 'AWS::Kinesis::Stream')).toHaveLength(
      Object.keys(TOPOLOGY.eventStreams).length,
    );
    for (const stream of Object.keys(TOPOLOGY.eventStreams)) {
      expect(logicalIdsOf(template, 'AWS::Kinesis::Stream', constructId(stream))).toHaveLength(1);
    }
  });
});

describe('event-source mappings', () => {
  const mappings = () => Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'));

  it('the template has exactly the topology mappings', () => {
    expect(mappings()).toHaveLength(TOPOLOGY.eventSourceMappings.length);
  });

  it.each(TOPOLOGY.eventSourceMappings.map((m) => [m.function, m.stream, m] as const))(
    '%s on %s has every topology setting',
    (fn, stream, m) => {
      // Prepare
      const functionId = functionNamed(fn)[0];
      const streamId = logicalIdsOf(template, 'AWS::Kinesis::Stream', constructId(stream))[0];
      // Act
      const found = mappings().filter(
        (r) =>
          r.Properties.FunctionName.Ref === functionId &&
          r.Properties.EventSourceArn['Fn::GetAtt'][0] === streamId,
      );
      // Assess
      expect(found).toHaveLength(1);
      expect(found[0]!.Properties).toMatchObject({
        StartingPosition: m.startingPosition,
        BatchSize: m.batchSize,
        MaximumBatchingWindowInSeconds: m.maxBatchingWindowSeconds,
        ParallelizationFactor: m.parallelizationFactor,
        BisectBatchOnFunctionError: m.bisectBatchOnFunctionError,
        FunctionResponseTypes: m.reportBatchItemFailures ? ['ReportBatchItemFailures'] : undefined,
        MaximumRetryAttempts: m.retryAttempts,
        MaximumRecordAgeInSeconds: m.maxRecordAgeSeconds,
      });
      expect(found[0]!.Properties.DestinationConfig.OnFailure.Destination).toBeDefined();
    },
  );
});
