import { type SynthesizedTemplates, synthesizedTemplates } from './synth-once';
import { resourcesOf } from './synth-stack';

/**
 * What the original STRM drivers need of the deployed stack's front door (the CloudFront distribution the
 * console also uses): HTTP/2 to the client, every method of POST /event and the token endpoints to the
 * HTTP API, the `/ws` upgrade to the WebSocket API's stage, and its URL as the `EdgeUrl` output.
 */
let synthesized: SynthesizedTemplates;
// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
let config: any;
beforeAll(() => {
  synthesized = synthesizedTemplates();
  const nested = synthesized.console;
  config = Object.values(resourcesOf(nested, 'AWS::CloudFront::Distribution'))[0]!.Properties
    .DistributionConfig;
});

describe('the front door for the original drivers', () => {
  it('speaks HTTP/2 (and 3) to viewers, which the Node driver’s http2.connect needs', () => {
    expect(config.HttpVersion).toBe('http2and3');
  });

  it('sends POST and every other method to the HTTP API by default (ingest, token endpoints, /v1)', () => {
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(
      expect.arrayContaining(['POST', 'GET', 'DELETE', 'OPTIONS', 'PUT', 'PATCH']),
    );
    // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
    const origin = config.Origins.find((o: any) => o.Id === config.DefaultCacheBehavior.TargetOriginId);
    expect(JSON.stringify(origin.DomainName)).toContain('execute-api');
  });

  it('has a /ws behaviour, the path the Receiver appends to its egress URL', () => {
    // biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON
    expect(config.CacheBehaviors.map((b: any) => b.PathPattern)).toContain('ws');
  });

  it('is the EdgeUrl output: https and the distribution’s domain, no path', () => {
    const edge = synthesized.template.findOutputs('EdgeUrl').EdgeUrl;
    expect(JSON.stringify(edge.Value)).toMatch(/"https:\/\/",.*Distribution[0-9A-F]*DomainName/);
    expect(JSON.stringify(edge.Value)).not.toContain('/console');
  });
});
