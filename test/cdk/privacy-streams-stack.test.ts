import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { constructId } from '../../lib/construct-ids';
import { TOPOLOGY } from '../../lib/topology';
import { type SynthesizedTemplates, synthesizedTemplates } from './synth-once';
import { HANDLERS, logicalIdsOf, type Resource, resourcesOf, routeTargetOf } from './synth-stack';

// The run's one synthesis, with real esbuild bundling of every handler (proves offline bundling works).
let synthesized: SynthesizedTemplates;
let template: Template;
beforeAll(() => {
  synthesized = synthesizedTemplates();
  template = synthesized.template;
});

const resources = (type: string) => resourcesOf(template, type);
const only = (type: string): [string, Resource] => {
  const entries = Object.entries(resources(type));
  expect(entries).toHaveLength(1);
  return entries[0];
};
const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

const keyId = () => only('AWS::KMS::Key')[0];
const tableId = (name: string) => logicalIdsOf(template, 'AWS::DynamoDB::Table', `Tables${name}`)[0];
const streamId = (name: 'SourceEvents' | 'DerivedEvents') =>
  logicalIdsOf(template, 'AWS::Kinesis::Stream', name)[0];
const functionLogicalId = (handler: string) => {
  const match = Object.entries(resources('AWS::Lambda::Function')).find(
    ([, r]) => r.Properties.FunctionName === `privacy-streams-${handler}`,
  );
  if (!match) throw new Error(`no function privacy-streams-${handler}`);
  return match[0];
};
const functionProps = (handler: string) =>
  resources('AWS::Lambda::Function')[functionLogicalId(handler)].Properties;

const routeTarget = (routeKey: string): string => routeTargetOf(template, routeKey);

describe('KMS key', () => {
  it('rotates automatically every 365 days by default and is retained', () => {
    const [, key] = only('AWS::KMS::Key');
    expect(key.Properties).toMatchObject({ EnableKeyRotation: true, RotationPeriodInDays: 365 });
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('has the alias alias/<prefix>', () => {
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/privacy-streams',
      TargetKeyId: arnOf(keyId()),
    });
  });
});

describe('Kinesis streams', () => {
  // Derived events hold decrypted PII out of reach of crypto-shredding: kept as briefly as Kinesis allows.
  it.each([
    ['SourceEvents', 168],
    ['DerivedEvents', 24],
  ] as const)('%s is on-demand, KMS-encrypted with the project key, %i h retention', (name, hours) => {
    expect(resources('AWS::Kinesis::Stream')[streamId(name)].Properties).toEqual({
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: arnOf(keyId()) },
      RetentionPeriodHours: hours,
    });
  });
});

describe('DynamoDB tables', () => {
  const TABLES = Object.keys(TOPOLOGY.tables).map(constructId);

  it('creates exactly the eight tables of the architecture', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 8);
    for (const name of TABLES) expect(tableId(name)).toBeDefined();
  });

  it.each(TABLES)('%s: pk/sk strings, on-demand, PITR, customer-managed KMS, retained', (name) => {
    const table = resources('AWS::DynamoDB::Table')[tableId(name)];
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: expect.arrayContaining([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: arnOf(keyId()) },
    });
    expect(table.DeletionPolicy).toBe('Retain');
  });

  // Accounts: failed sign-ins and sessions expire; account items carry no expiresAt and never do.
  it.each(['Accounts', 'KeyLinks', 'Connections', 'Usage'])(
    '%s expires items on the expiresAt attribute',
    (name) => {
      expect(resources('AWS::DynamoDB::Table')[tableId(name)].Properties.TimeToLiveSpecification).toEqual({
        AttributeName: 'expiresAt',
        Enabled: true,
      });
    },
  );

  it.each(['Streams', 'Contracts'])('%s has no TTL', (name) => {
    expect(
      resources('AWS::DynamoDB::Table')[tableId(name)].Properties.TimeToLiveSpecification,
    ).toBeUndefined();
  });

  it('indexes connections by streamKey (GSI byStream)', () => {
    expect(
      resources('AWS::DynamoDB::Table')[tableId('Connections')].Properties.GlobalSecondaryIndexes,
    ).toEqual([
      {
        IndexName: 'byStream',
        KeySchema: [{ AttributeName: 'streamKey', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });
});

describe('Lambda functions', () => {
  it('creates one function per handler module and no others', () => {
    template.resourceCountIs('AWS::Lambda::Function', HANDLERS.length);
    for (const handler of HANDLERS) expect(functionLogicalId(handler)).toBeDefined();
  });

  it.each(HANDLERS)(
    '%s: Node 22 on arm64, X-Ray off (the default; test/cdk/tracing.test.ts), source maps, explicit memory and timeout',
    (handler) => {
      const props = functionProps(handler);
      expect(props).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: expect.any(Number),
        Timeout: expect.any(Number),
      });
      expect(props.TracingConfig).toBeUndefined();
      expect(props.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(props.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe(handler);
    },
  );

  it.each(HANDLERS)('%s logs to its own log group with 30-day retention', (handler) => {
    const logGroupId = functionProps(handler).LoggingConfig.LogGroup.Ref;
    expect(resources('AWS::Logs::LogGroup')[logGroupId].Properties).toEqual({ RetentionInDays: 30 });
  });

  it.each(HANDLERS)('%s is bundled by esbuild into an asset with a source map', (handler) => {
    const hash = functionProps(handler).Code.S3Key.replace(/\.zip$/, '');
    const assetDir = path.join(synthesized.outdir, `asset.${hash}`);
    expect(fs.readdirSync(assetDir).sort()).toEqual(['index.js', 'index.js.map']);
    expect(fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8')).toMatch(
      /sourceMappingURL=index\.js\.map/,
    );
  });

  it('keeps class names through minification, so errors are logged as ValidationError, not a mangled name', () => {
    // Prepare
    const hash = functionProps('ingest').Code.S3Key.replace(/\.zip$/, '');
    // Act
    const bundle = fs.readFileSync(path.join(synthesized.outdir, `asset.${hash}`, 'index.js'), 'utf8');
    // Assess: esbuild's keepNames registers each class under its source name.
    expect(bundle).toMatch(/static\{\w+\(this,"ValidationError"\)\}/);
  });

  const withoutCommon = (handler: string) => {
    const { NODE_OPTIONS, POWERTOOLS_SERVICE_NAME, POWERTOOLS_LOG_LEVEL, ...rest } =
      functionProps(handler).Environment.Variables;
    return rest;
  };
  const key = () => arnOf(keyId());
  const table = (name: string) => ref(tableId(name));

  it('ingest gets the tables it reads, the source stream, the key and the token issuer', () => {
    expect(withoutCommon('ingest')).toEqual({
      STREAMS_TABLE: table('Streams'),
      CONTRACTS_TABLE: table('Contracts'),
      KEY_LINKS_TABLE: table('KeyLinks'),
      SOURCE_EVENTS_STREAM: ref(streamId('SourceEvents')),
      KMS_KEY_ID: key(),
      TOKEN_ISSUER: 'privacy-streams',
    });
  });

  it.each(['token', 'sts'])(
    '%s gets the streams, key-links and accounts tables (billing ids), the key and the token issuer',
    (name) => {
      expect(withoutCommon(name)).toEqual({
        STREAMS_TABLE: table('Streams'),
        KEY_LINKS_TABLE: table('KeyLinks'),
        ACCOUNTS_TABLE: table('Accounts'),
        KMS_KEY_ID: key(),
        TOKEN_ISSUER: 'privacy-streams',
      });
    },
  );

  it('management gets its tables, the key, bootstrap sign-up mode, the bootstrap secret ARN and @connections', () => {
    const env = withoutCommon('management');
    // The connections table and the callback URL: deleting a stream or credential ends its subscribers.
    expect(env.WS_CALLBACK_URL).toEqual(withoutCommon('egress').WS_CALLBACK_URL);
    delete env.WS_CALLBACK_URL;
    expect(env).toEqual({
      ACCOUNTS_TABLE: table('Accounts'),
      STREAMS_TABLE: table('Streams'),
      CONTRACTS_TABLE: table('Contracts'),
      KEY_LINKS_TABLE: table('KeyLinks'),
      USAGE_TABLE: table('Usage'),
      CONNECTIONS_TABLE: table('Connections'),
      EXPORTERS_TABLE: table('Exporters'),
      EXPORTS_BUCKET: ref(logicalIdsOf(template, 'AWS::S3::Bucket', 'BucketsExports')[0]!),
      EXPORT_BUCKETS: '',
      S3_FORCE_PATH_STYLE: 'false',
      KMS_KEY_ID: key(),
      TOKEN_ISSUER: 'privacy-streams',
      SIGNUP_MODE: 'bootstrap',
      BOOTSTRAP_SECRET_ARN: ref(only('AWS::SecretsManager::Secret')[0]),
    });
  });

  it('health needs no configuration', () => {
    expect(withoutCommon('health')).toEqual({});
  });

  it('decrypter gets its tables, the derived stream and the key', () => {
    expect(withoutCommon('decrypter')).toEqual({
      STREAMS_TABLE: table('Streams'),
      CONTRACTS_TABLE: table('Contracts'),
      KEY_LINKS_TABLE: table('KeyLinks'),
      USAGE_TABLE: table('Usage'),
      DERIVED_EVENTS_STREAM: ref(streamId('DerivedEvents')),
      KMS_KEY_ID: key(),
    });
  });

  it('egress gets the connections and streams tables and the @connections callback URL of the prod stage', () => {
    const env = withoutCommon('egress');
    expect(env.CONNECTIONS_TABLE).toEqual(table('Connections'));
    expect(env.STREAMS_TABLE).toEqual(table('Streams'));
    const wsApiId = only('AWS::ApiGatewayV2::Authorizer')[1].Properties.ApiId.Ref;
    expect(env.WS_CALLBACK_URL).toEqual({
      'Fn::Join': [
        '',
        ['https://', ref(wsApiId), '.execute-api.', ref('AWS::Region'), '.', ref('AWS::URLSuffix'), '/prod'],
      ],
    });
    expect(Object.keys(env).sort()).toEqual(['CONNECTIONS_TABLE', 'STREAMS_TABLE', 'WS_CALLBACK_URL']);
  });

  it('ws-authorizer gets the streams, key-links and accounts (sessions) tables, the key and the token issuer', () => {
    expect(withoutCommon('ws-authorizer')).toEqual({
      ACCOUNTS_TABLE: table('Accounts'),
      STREAMS_TABLE: table('Streams'),
      KEY_LINKS_TABLE: table('KeyLinks'),
      KMS_KEY_ID: key(),
      TOKEN_ISSUER: 'privacy-streams',
    });
  });

  it('ws-connect gets the connections and accounts (sessions) tables', () => {
    expect(withoutCommon('ws-connect')).toEqual({
      CONNECTIONS_TABLE: table('Connections'),
      ACCOUNTS_TABLE: table('Accounts'),
    });
  });
});

describe('Kinesis event source mappings', () => {
  const mappings = () => Object.values(resources('AWS::Lambda::EventSourceMapping')).map((r) => r.Properties);
  const mappingOf = (handler: string, stream: 'SourceEvents' | 'DerivedEvents') => {
    const found = mappings().filter(
      (p) =>
        p.FunctionName.Ref === functionLogicalId(handler) &&
        p.EventSourceArn['Fn::GetAtt'][0] === streamId(stream),
    );
    expect(found).toHaveLength(1);
    return found[0];
  };
  const failureQueueArn = () => arnOf(only('AWS::SQS::Queue')[0]);

  it('has exactly five: decrypter on source events, egress and exporter on source and derived events', () => {
    expect(mappings()).toHaveLength(5);
    mappingOf('decrypter', 'SourceEvents');
    mappingOf('egress', 'SourceEvents');
    mappingOf('egress', 'DerivedEvents');
    mappingOf('exporter', 'SourceEvents');
    mappingOf('exporter', 'DerivedEvents');
  });

  it('decrypter reads from the trim horizon with partial failures, bisect, 3 retries, 24 h max age, DLQ', () => {
    expect(mappingOf('decrypter', 'SourceEvents')).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 200,
      MaximumBatchingWindowInSeconds: 1,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 86400,
      DestinationConfig: { OnFailure: { Destination: failureQueueArn() } },
    });
  });

  it.each(['SourceEvents', 'DerivedEvents'] as const)(
    'egress on %s starts at LATEST with partial failures, bisect, 3 retries, 1 h max age, DLQ',
    (stream) => {
      expect(mappingOf('egress', stream)).toMatchObject({
        StartingPosition: 'LATEST',
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 0,
        ParallelizationFactor: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 3600,
        DestinationConfig: { OnFailure: { Destination: failureQueueArn() } },
      });
    },
  );

  it('the failure queue is KMS-encrypted with the project key and keeps messages 14 days', () => {
    expect(only('AWS::SQS::Queue')[1].Properties).toEqual({
      KmsMasterKeyId: arnOf(keyId()),
      MessageRetentionPeriod: 1209600,
    });
  });

  it('the failure queue denies requests without TLS', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('HTTP API', () => {
  it.each([
    ['POST /event', 'ingest'],
    ['POST /events', 'ingest'],
    ['POST /auth/token', 'token'],
    ['POST /auth/realms/streams/protocol/openid-connect/token', 'token'],
    ['POST /auth', 'sts'],
    ['POST /refresh', 'sts'],
    ['ANY /v1/{proxy+}', 'management'],
    ['GET /ready', 'health'],
  ])('routes %s to %s', (routeKey, handler) => {
    expect(routeTarget(routeKey)).toBe(`privacy-streams-${handler}`);
  });

  it('has only those eight routes, with payload format 2.0 Lambda proxy integrations', () => {
    const http = Object.values(resources('AWS::ApiGatewayV2::Route')).filter(
      (r) => !r.Properties.RouteKey.startsWith('$'),
    );
    expect(http).toHaveLength(8);
    // Every integration of the HTTP API (the WebSocket API's have no payload format).
    const httpApiId = Object.keys(resources('AWS::ApiGatewayV2::Api')).find(
      (id) => resources('AWS::ApiGatewayV2::Api')[id].Properties.ProtocolType === 'HTTP',
    )!;
    const integrations = Object.values(resources('AWS::ApiGatewayV2::Integration')).filter(
      (i) => i.Properties.ApiId.Ref === httpApiId,
    );
    expect(integrations.length).toBeGreaterThan(0);
    for (const integration of integrations) {
      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
      });
    }
  });

  it('deploys the $default stage automatically with throttling and JSON access logs without headers', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"\\$context.requestId"'),
      },
    });
    const stage = Object.values(resources('AWS::ApiGatewayV2::Stage')).find(
      (s) => s.Properties.StageName === '$default',
    )!;
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(Object.values(format).join(' ')).not.toMatch(/header|querystring|authorizer/i);
    const logGroupId = stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    expect(resources('AWS::Logs::LogGroup')[logGroupId].Properties).toEqual({ RetentionInDays: 30 });
  });
});

describe('WebSocket API', () => {
  it('routes $connect (with the Lambda authorizer) and $disconnect to ws-connect', () => {
    expect(routeTarget('$connect')).toBe('privacy-streams-ws-connect');
    expect(routeTarget('$disconnect')).toBe('privacy-streams-ws-connect');
    const [authorizerId] = only('AWS::ApiGatewayV2::Authorizer');
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$connect',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: ref(authorizerId),
    });
  });

  it('authorizes with ws-authorizer and requires no identity source (token in header or ?token=)', () => {
    const [, authorizer] = only('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties.AuthorizerType).toBe('REQUEST');
    expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(functionLogicalId('ws-authorizer'));
    expect(authorizer.Properties).not.toHaveProperty('IdentitySource');
  });

  it('has a prod stage, deployed automatically, with throttling', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'prod',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
    });
  });

  it('lets API Gateway invoke the authorizer and ws-connect', () => {
    for (const handler of ['ws-authorizer', 'ws-connect']) {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: arnOf(functionLogicalId(handler)),
      });
    }
  });
});

describe('sign-up bootstrap secret', () => {
  it('is a generated random string encrypted with the project key', () => {
    expect(only('AWS::SecretsManager::Secret')[1].Properties).toMatchObject({
      KmsKeyId: arnOf(keyId()),
      GenerateSecretString: { PasswordLength: 40, ExcludePunctuation: true },
    });
  });
});

describe('stack outputs', () => {
  it('exports HttpApiUrl, WebSocketUrl, BootstrapSecretArn, Region, ConsoleUrl and EdgeUrl under exactly those names', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual([
      'BootstrapSecretArn',
      'ConsoleUrl',
      'EdgeUrl',
      'HttpApiUrl',
      'Region',
      'WebSocketUrl',
    ]);
    for (const output of Object.values(outputs)) expect(output.Export).toBeUndefined();
  });

  it('points them at the deployed resources', () => {
    const outputs = template.findOutputs('*');
    const httpApiId = Object.keys(resources('AWS::ApiGatewayV2::Api')).find(
      (id) => resources('AWS::ApiGatewayV2::Api')[id].Properties.ProtocolType === 'HTTP',
    )!;
    expect(outputs.HttpApiUrl.Value).toEqual({ 'Fn::GetAtt': [httpApiId, 'ApiEndpoint'] });
    expect(JSON.stringify(outputs.WebSocketUrl.Value)).toMatch(/"wss:\/\/".*"\/prod"/);
    expect(outputs.BootstrapSecretArn.Value).toEqual(ref(only('AWS::SecretsManager::Secret')[0]));
    expect(outputs.Region.Value).toEqual(ref('AWS::Region'));
  });

  it('names the stack after the prefix, so cdk-outputs.json is keyed by it', () => {
    expect(synthesized.stackName).toBe('privacy-streams');
  });
});
