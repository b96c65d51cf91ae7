import { App, type PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { PrivacyStreamsStack } from '../../lib/privacy-streams-stack';
import { DEFAULT_CONFIG } from '../../lib/stack-config';
import { type SynthesizedStack, synthPrivacyStreams } from './synth-stack';

interface Finding {
  rule: string;
  path: string;
}

const runPacks = (scope: IConstruct): PolicyValidationPluginReport[] => [
  new AwsSolutionsChecks().validateScope(scope),
  new ServerlessChecks().validateScope(scope),
];
const findingsOf = (reports: PolicyValidationPluginReport[]): Finding[] =>
  reports.flatMap((r) =>
    r.violations.flatMap((v) =>
      v.violatingResources.map((res) => ({ rule: v.ruleName, path: res.constructPath ?? '' })),
    ),
  );

/** Every `Validations.of(x).acknowledge()` in the tree: construct path, rule id, reason. */
function acknowledgementsIn(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      ),
  );
}

let deployed: SynthesizedStack;
let rawFindings: Finding[];
beforeAll(() => {
  deployed = synthPrivacyStreams({ bundle: false });
  // The same stack without its acknowledgements: what the packs really report.
  const raw = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  new PrivacyStreamsStack(raw, 'privacy-streams', { config: DEFAULT_CONFIG, acknowledgeNagFindings: false });
  rawFindings = findingsOf(runPacks(raw));
});

describe('cdk-nag AwsSolutions and Serverless packs', () => {
  it('report nothing unacknowledged (errors or warnings)', () => {
    expect(findingsOf(runPacks(deployed.app))).toEqual([]);
  });

  it('are registered on the app, so an unacknowledged error fails cdk synth', () => {
    const raw = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new PrivacyStreamsStack(raw, 'privacy-streams', {
      config: DEFAULT_CONFIG,
      acknowledgeNagFindings: false,
    });
    Validations.of(raw).addPlugins(new AwsSolutionsChecks(raw), new ServerlessChecks(raw));
    expect(() => raw.synth()).toThrow(/ERROR The SQS queue is not used as a dead-letter queue/);
    expect(() => deployed.app.synth()).not.toThrow();
  });

  it('would report findings without the acknowledgements (the packs do run on this stack)', () => {
    expect(rawFindings.length).toBeGreaterThan(10);
  });

  it('every acknowledgement carries a specific reason', () => {
    const acks = acknowledgementsIn(deployed.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length).toBeGreaterThanOrEqual(70);
    }
  });

  it('every acknowledgement matches a finding the packs really report on that construct (none is stale)', () => {
    const stale = acknowledgementsIn(deployed.app).filter(
      (ack) =>
        !rawFindings.some(
          (f) => ack.id.endsWith(f.rule) && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
        ),
    );
    expect(stale).toEqual([]);
  });

  it('no acknowledgement covers a Kinesis, DynamoDB or KMS wildcard resource', () => {
    const ids = acknowledgementsIn(deployed.app).map((a) => a.id);
    expect(ids.filter((id) => /Resource::.*(kinesis|dynamodb|kms).*\*$/i.test(id))).toEqual([]);
  });
});
