import type { Template } from 'aws-cdk-lib/assertions';
import { HANDLERS, logicalIdsOf, resourcesOf, synthPrivacyStreams } from './synth-stack';

/** The exports bucket, its access logs, the export tick's schedule, and who may touch S3 how. */

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let template: Template;
beforeAll(() => {
  template = synthPrivacyStreams({ bundle: false }).template;
});

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const exportsBucketId = (t: Template) => logicalIdsOf(t, 'AWS::S3::Bucket', 'BucketsExports')[0]!;
const logsBucketId = (t: Template) => logicalIdsOf(t, 'AWS::S3::Bucket', 'BucketsAccessLogs')[0]!;

function statementsOf(t: Template, handler: string): Statement[] {
  const fn = Object.values(resourcesOf(t, 'AWS::Lambda::Function')).find(
    (f) => f.Properties.FunctionName === `privacy-streams-${handler}`,
  );
  const roleId = fn!.Properties.Role['Fn::GetAtt'][0];
  return Object.values(resourcesOf(t, 'AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === 'Allow');
}

/** The S3 actions of a function, each with the resources it is granted on (as JSON). */
function s3GrantsOf(t: Template, handler: string): [string, string][] {
  return statementsOf(t, handler).flatMap((s) =>
    asList(s.Action)
      .filter((a) => a.startsWith('s3:'))
      .map((a): [string, string] => [a, JSON.stringify(s.Resource)]),
  );
}

describe('the exports bucket', () => {
  it('is encrypted with the project key (S3 bucket keys on), blocks public access and is retained', () => {
    // Act
    const bucket = resourcesOf(template, 'AWS::S3::Bucket')[exportsBucketId(template)]!;
    const keyId = logicalIdsOf(template, 'AWS::KMS::Key')[0];
    // Assess
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      {
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: {
          SSEAlgorithm: 'aws:kms',
          KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
        },
      },
    ]);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
  });

  it('refuses every request that is not TLS', () => {
    // Act
    const policy = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy')).find(
      (p) => p.Properties.Bucket.Ref === exportsBucketId(template),
    )!;
    // Assess
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('expires staged parts after 7 days and incomplete uploads after 1, and keeps exported files by default', () => {
    // Act
    const rules = resourcesOf(template, 'AWS::S3::Bucket')[exportsBucketId(template)]!.Properties
      .LifecycleConfiguration.Rules;
    // Assess
    expect(rules).toEqual([
      { Id: 'staged-parts', Prefix: 'staging/', ExpirationInDays: 7, Status: 'Enabled' },
      {
        Id: 'incomplete-uploads',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      },
    ]);
  });

  it('expires exported files after exportExpirationDays when the deployer sets it', () => {
    // Prepare
    const withExpiry = synthPrivacyStreams({
      bundle: false,
      context: { exportExpirationDays: '400' },
    }).template;
    // Act
    const rules = resourcesOf(withExpiry, 'AWS::S3::Bucket')[exportsBucketId(withExpiry)]!.Properties
      .LifecycleConfiguration.Rules;
    // Assess
    expect(rules).toContainEqual({ Id: 'exported-files', ExpirationInDays: 400, Status: 'Enabled' });
  });

  it('logs server access to the access-logs bucket, which takes log delivery by bucket policy only', () => {
    // Act
    const bucket = resourcesOf(template, 'AWS::S3::Bucket')[exportsBucketId(template)]!;
    const logs = resourcesOf(template, 'AWS::S3::Bucket')[logsBucketId(template)]!;
    const logsPolicy = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy')).find(
      (p) => p.Properties.Bucket.Ref === logsBucketId(template),
    )!;
    // Assess
    expect(bucket.Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsBucketId(template) },
      LogFilePrefix: 'exports/',
    });
    expect(logs.Properties.AccessControl).toBeUndefined();
    expect(logsPolicy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' } }),
    );
  });
});

describe('who may touch S3', () => {
  it('only the exporter and management have S3 actions at all', () => {
    // Act
    const withS3 = HANDLERS.filter((h) => s3GrantsOf(template, h).length > 0);
    // Assess
    expect(withS3).toEqual(['management', 'exporter']);
  });

  it('the exporter puts objects anywhere in the bucket, but reads and deletes only staged parts', () => {
    // Prepare
    const bucket = exportsBucketId(template);
    const objects = (pattern: string) =>
      JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${pattern}`]] });
    // Act
    const grants = s3GrantsOf(template, 'exporter');
    // Assess
    expect(grants.sort()).toEqual(
      [
        ['s3:DeleteObject', objects('staging/*')],
        ['s3:GetObject', objects('staging/*')],
        ['s3:PutObject', objects('*')],
      ].sort(),
    );
  });

  it('management lists the bucket and reads objects (download URLs), nothing else', () => {
    // Act
    const actions = s3GrantsOf(template, 'management').map(([action]) => action);
    // Assess
    expect(actions.sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  it("grants the deployer's own buckets (context exportBuckets): put for the exporter, list and get for management", () => {
    // Prepare
    const granted = synthPrivacyStreams({
      bundle: false,
      context: { exportBuckets: 'acme-lake,acme-keys' },
    }).template;
    const on = (name: string, suffix = '') =>
      JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${name}${suffix}`]] });
    // Act
    const exporter = s3GrantsOf(granted, 'exporter');
    const management = s3GrantsOf(granted, 'management');
    // Assess
    for (const name of ['acme-lake', 'acme-keys']) {
      expect(exporter).toContainEqual(['s3:PutObject', on(name, '/*')]);
      expect(management).toContainEqual(['s3:ListBucket', on(name)]);
      expect(management).toContainEqual(['s3:GetObject', on(name, '/*')]);
    }
    const fn = Object.values(resourcesOf(granted, 'AWS::Lambda::Function')).find(
      (f) => f.Properties.FunctionName === 'privacy-streams-exporter',
    )!;
    expect(fn.Properties.Environment.Variables.EXPORT_BUCKETS).toBe('acme-lake,acme-keys');
  });
});

describe('the export tick', () => {
  it('runs the exporter every minute, without retries (the next tick does the same work)', () => {
    // Prepare
    const exporterId = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).find(
      ([, f]) => f.Properties.FunctionName === 'privacy-streams-exporter',
    )![0];
    // Act
    const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule'));
    // Assess
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        expect.objectContaining({
          Arn: { 'Fn::GetAtt': [exporterId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
  });
});
