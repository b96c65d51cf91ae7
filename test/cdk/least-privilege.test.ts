import type { Template } from 'aws-cdk-lib/assertions';
import { synthesizedTemplates } from './synth-once';
import { HANDLERS, logicalIdsOf } from './synth-stack';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let template: Template;
beforeAll(() => {
  template = synthesizedTemplates().template;
});

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Statements granting kinesis:, dynamodb: or kms: actions on Resource '*' (alone or in a list). */
function wildcardDataGrants(statements: Statement[]): Statement[] {
  return statements.filter(
    (s) =>
      s.Effect === 'Allow' &&
      asList(s.Action).some((a) => /^(kinesis|dynamodb|kms):/.test(a)) &&
      asList(s.Resource).some((r) => r === '*'),
  );
}

const allPolicyStatements = (): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement,
  );

/** Allow statements of the role of `privacy-streams-<handler>`. */
function statementsOf(handler: string): Statement[] {
  const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
    (f) => f.Properties.FunctionName === `privacy-streams-${handler}`,
  );
  const roleId = fn!.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s: Statement) => s.Effect === 'Allow');
}

/** Does `handler` have `action` on a resource whose ARN refers to `logicalId`? */
function can(handler: string, action: string, logicalId: string): boolean {
  return statementsOf(handler).some(
    (s) => asList(s.Action).includes(action) && JSON.stringify(s.Resource).includes(`"${logicalId}"`),
  );
}

const table = (name: string) => logicalIdsOf(template, 'AWS::DynamoDB::Table', `Tables${name}`)[0];
const stream = (name: string) => logicalIdsOf(template, 'AWS::Kinesis::Stream', name)[0];
const key = () => logicalIdsOf(template, 'AWS::KMS::Key')[0];
const holders = (action: string, logicalId: string) => HANDLERS.filter((h) => can(h, action, logicalId));

describe('no wildcard resources on data-plane actions', () => {
  it('the check itself catches a kinesis, dynamodb or kms action on Resource *', () => {
    const bad: Statement[] = [
      { Effect: 'Allow', Action: 'kinesis:PutRecord', Resource: '*' },
      { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: ['arn:x', '*'] },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: '*' },
    ];
    const fine: Statement[] = [
      { Effect: 'Allow', Action: ['xray:PutTraceSegments'], Resource: '*' },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': ['Key', 'Arn'] } },
    ];
    expect(wildcardDataGrants([...bad, ...fine])).toEqual(bad);
  });

  it('no AWS::IAM::Policy statement grants kinesis:*, dynamodb:* or kms:* actions on Resource *', () => {
    const statements = allPolicyStatements();
    expect(statements.length).toBeGreaterThan(40);
    expect(wildcardDataGrants(statements)).toEqual([]);
  });

  it('nothing uses Resource * at all (X-Ray, the only exception, is off by default: test/cdk/tracing.test.ts)', () => {
    const wildcardActions = allPolicyStatements()
      .filter((s) => asList(s.Resource).includes('*'))
      .flatMap((s) => asList(s.Action));
    expect(new Set(wildcardActions)).toEqual(new Set());
  });

  it('function roles carry no managed policies (not even AWSLambdaBasicExecutionRole)', () => {
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('each function can do only what its handler does', () => {
  it('health can only write its logs (and traces with tracing on: test/cdk/tracing.test.ts)', () => {
    const actions = statementsOf('health').flatMap((s) => asList(s.Action));
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('each function writes logs only to its own log group', () => {
    for (const handler of HANDLERS) {
      const logStatements = statementsOf(handler).filter((s) =>
        asList(s.Action).includes('logs:PutLogEvents'),
      );
      expect(logStatements).toHaveLength(1);
      expect(JSON.stringify(logStatements[0].Resource)).toMatch(/"[A-Za-z]+Logs[0-9A-F]{8}","Arn"/);
    }
  });

  it('only ingest puts records on the source stream; only decrypter on the derived stream', () => {
    expect(holders('kinesis:PutRecord', stream('SourceEvents'))).toEqual(['ingest']);
    expect(holders('kinesis:PutRecords', stream('DerivedEvents'))).toEqual(['decrypter']);
  });

  it('decrypter reads the source stream; egress and exporter read both streams; nobody else reads them', () => {
    expect(holders('kinesis:GetRecords', stream('SourceEvents'))).toEqual([
      'decrypter',
      'egress',
      'exporter',
    ]);
    expect(holders('kinesis:GetRecords', stream('DerivedEvents'))).toEqual(['egress', 'exporter']);
  });

  it('management reads and writes accounts; token and sts only get and create account items (billing ids); ws-authorizer and ws-connect only get (sessions); only management reads the bootstrap secret', () => {
    expect(holders('dynamodb:GetItem', table('Accounts'))).toEqual([
      'token',
      'sts',
      'management',
      'ws-authorizer',
      'ws-connect',
    ]);
    expect(holders('dynamodb:PutItem', table('Accounts'))).toEqual(['token', 'sts', 'management']);
    for (const action of ['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
      expect(holders(action, table('Accounts'))).toEqual(['management']);
    }
    const secret = logicalIdsOf(template, 'AWS::SecretsManager::Secret')[0];
    expect(holders('secretsmanager:GetSecretValue', secret)).toEqual(['management']);
    expect(statementsOf('management').flatMap((s) => asList(s.Action))).not.toContain(
      'secretsmanager:PutSecretValue',
    );
  });

  it('stream records are read by the handlers that verify tokens or route events, written only by management', () => {
    // Egress reads them to serve only subscribers whose client id their stream still accepts.
    expect(holders('dynamodb:GetItem', table('Streams'))).toEqual([
      'ingest',
      'token',
      'sts',
      'management',
      'decrypter',
      'egress',
      'ws-authorizer',
    ]);
    expect(holders('dynamodb:PutItem', table('Streams'))).toEqual(['management']);
    expect(holders('dynamodb:PutItem', table('Contracts'))).toEqual(['management']);
  });

  it('key links are written by ingest, token and sts (signing key) and management (shredding); read by decrypter, ws-authorizer and exporter (key streams)', () => {
    expect(holders('dynamodb:PutItem', table('KeyLinks'))).toEqual(['ingest', 'token', 'sts', 'management']);
    expect(holders('dynamodb:DeleteItem', table('KeyLinks'))).toEqual([
      'ingest',
      'token',
      'sts',
      'management',
    ]);
    expect(holders('dynamodb:GetItem', table('KeyLinks'))).toEqual([
      'ingest',
      'token',
      'sts',
      'management',
      'decrypter',
      'ws-authorizer',
      'exporter',
    ]);
  });

  it('usage is counted by the decrypter and read by management', () => {
    expect(holders('dynamodb:UpdateItem', table('Usage'))).toEqual(['decrypter']);
    expect(holders('dynamodb:Query', table('Usage'))).toEqual(['management']);
  });

  it('connections are stored by ws-connect and read/deleted (not written) by egress and management', () => {
    // Management ends the subscribers of a deleted stream or credential.
    expect(holders('dynamodb:PutItem', table('Connections'))).toEqual(['ws-connect']);
    expect(holders('dynamodb:Query', table('Connections'))).toEqual(['management', 'egress']);
    expect(holders('dynamodb:DeleteItem', table('Connections'))).toEqual([
      'management',
      'egress',
      'ws-connect',
    ]);
  });

  it('only egress (posting) and management (closing revoked subscribers) may manage WebSocket connections', () => {
    const manage = HANDLERS.filter((h) =>
      statementsOf(h).some((s) => asList(s.Action).includes('execute-api:ManageConnections')),
    );
    expect(manage).toEqual(['management', 'egress']);
    for (const handler of manage) {
      const statement = statementsOf(handler).find((s) =>
        asList(s.Action).includes('execute-api:ManageConnections'),
      )!;
      expect(JSON.stringify(statement.Resource)).toContain('/prod/*/@connections/*');
    }
  });

  it('the key hierarchy (GenerateDataKey on the key) is used by ingest, token, sts, management and decrypter only', () => {
    expect(holders('kms:GenerateDataKey', key())).toEqual([
      'ingest',
      'token',
      'sts',
      'management',
      'decrypter',
    ]);
  });

  it('ws-authorizer may only decrypt with the key', () => {
    const kmsActions = statementsOf('ws-authorizer')
      .flatMap((s) => asList(s.Action))
      .filter((a) => a.startsWith('kms:'));
    expect(new Set(kmsActions)).toEqual(new Set(['kms:Decrypt', 'kms:DescribeKey']));
  });
});
