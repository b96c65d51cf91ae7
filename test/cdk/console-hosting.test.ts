import type { Template } from 'aws-cdk-lib/assertions';
import { CONSOLE_CONTENT_SECURITY_POLICY } from '../../console/security-headers';
import { type SynthesizedTemplates, synthesizedTemplates } from './synth-once';
import { resourcesOf } from './synth-stack';

/** The console's nested stack: private bucket behind CloudFront (OAC), the APIs behind the same distribution. */

const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

let synthesized: SynthesizedTemplates;
let nested: Template;
// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
let config: any;
beforeAll(() => {
  synthesized = synthesizedTemplates();
  nested = synthesized.console;
  config = Object.values(resourcesOf(nested, 'AWS::CloudFront::Distribution'))[0]!.Properties
    .DistributionConfig;
});

const behaviour = (pattern: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
  config.CacheBehaviors.find((b: any) => b.PathPattern === pattern);
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
const originOf = (b: any) => config.Origins.find((o: any) => o.Id === b.TargetOriginId);

describe('console bucket', () => {
  it('blocks every kind of public access and refuses requests without TLS', () => {
    // Assess
    nested.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const policy = JSON.stringify(resourcesOf(nested, 'AWS::S3::BucketPolicy'));
    expect(policy).toContain('"aws:SecureTransport":"false"');
  });

  it('lets only this distribution read it, through origin access control', () => {
    // Prepare
    const [oacId] = Object.keys(resourcesOf(nested, 'AWS::CloudFront::OriginAccessControl'));
    const [distributionId] = Object.keys(resourcesOf(nested, 'AWS::CloudFront::Distribution'));
    // Act
    const statements = Object.values(resourcesOf(nested, 'AWS::S3::BucketPolicy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    const reads = statements.filter((s) => s.Effect === 'Allow');
    // Assess
    expect(reads).toHaveLength(1);
    expect(reads[0].Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(reads[0].Action).toBe('s3:GetObject');
    expect(JSON.stringify(reads[0].Condition)).toContain(distributionId);
    nested.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' },
    });
    expect(originOf(behaviour('console*')).OriginAccessControlId).toEqual({ 'Fn::GetAtt': [oacId, 'Id'] });
  });

  it('receives the built console under console/, emptied again when the stack goes', () => {
    // Assess
    nested.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'console/',
      RetainOnDelete: false,
      Prune: true,
    });
  });
});

describe('console distribution', () => {
  it('serves the console with the strict CSP and security headers, HTTPS only', () => {
    // Assess
    nested.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: {
          ContentSecurityPolicy: { ContentSecurityPolicy: CONSOLE_CONTENT_SECURITY_POLICY, Override: true },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          StrictTransportSecurity: {
            AccessControlMaxAgeSec: 31536000,
            Override: true,
            IncludeSubdomains: true,
          },
        },
      },
    });
    expect(CONSOLE_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(behaviour('console*').ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(behaviour('console*').ResponseHeadersPolicyId).toBeDefined();
  });

  it('sends everything else to the HTTP API, uncached, with every viewer header but Host', () => {
    // Assess
    const api = config.DefaultCacheBehavior;
    expect(api.CachePolicyId).toBe(CACHING_DISABLED);
    expect(api.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['POST', 'DELETE', 'GET']));
    expect(api.ViewerProtocolPolicy).toBe('https-only');
    expect(JSON.stringify(originOf(api).DomainName)).toMatch(/execute-api/);
    expect(originOf(api).CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
  });

  it('sends /ws to the WebSocket API, its stage as the path, with the query string (the read token)', () => {
    // Prepare
    const ws = behaviour('ws');
    const functions = Object.values(resourcesOf(nested, 'AWS::CloudFront::Function')).map(
      (f) => f.Properties.FunctionCode as string,
    );
    // Assess
    expect(ws.CachePolicyId).toBe(CACHING_DISABLED);
    expect(ws.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST_HEADER);
    expect(originOf(ws).Id).not.toBe(originOf(config.DefaultCacheBehavior).Id);
    expect(functions.some((code) => code.includes("event.request.uri = '/prod'"))).toBe(true);
  });

  it('has no access log (its lines would hold the query string, where the read token travels)', () => {
    // Assess
    expect(config.Logging).toBeUndefined();
  });
});

describe('console output', () => {
  it('gives the console URL on the distribution domain', () => {
    // Assess
    const output = synthesized.template.findOutputs('ConsoleUrl').ConsoleUrl;
    expect(JSON.stringify(output.Value)).toContain('/console/');
    expect(JSON.stringify(output.Value)).toContain('Outputs.');
  });
});

describe('console deployment function', () => {
  it('may write only to the console bucket', () => {
    // Prepare
    const [bucketId] = Object.keys(resourcesOf(nested, 'AWS::S3::Bucket'));
    const statements = Object.values(resourcesOf(nested, 'AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement,
    );
    // Act
    const writes = statements.filter((s) =>
      [s.Action].flat().some((a: string) => a.startsWith('s3:Put') || a.startsWith('s3:DeleteObject')),
    );
    // Assess
    expect(writes.length).toBeGreaterThan(0);
    for (const s of writes) {
      for (const resource of [s.Resource].flat()) expect(JSON.stringify(resource)).toContain(bucketId);
    }
  });
});
