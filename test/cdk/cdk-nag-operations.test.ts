import { App, type PolicyValidationPluginReport, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { PrivacyStreamsStack } from '../../lib/privacy-streams-stack';
import { configFromContext } from '../../lib/stack-config';
import { synthPrivacyStreams } from './synth-stack';

/** The same checks as test/cdk/cdk-nag.test.ts, for the stacks the operations switches make. */

interface Finding {
  rule: string;
  path: string;
}

const findingsIn = (scope: IConstruct): Finding[] =>
  [new AwsSolutionsChecks().validateScope(scope), new ServerlessChecks().validateScope(scope)].flatMap(
    (r: PolicyValidationPluginReport) =>
      r.violations.flatMap((v) =>
        v.violatingResources.map((res) => ({ rule: v.ruleName, path: res.constructPath ?? '' })),
      ),
  );

const acknowledgementsIn = (scope: IConstruct): { path: string; id: string }[] =>
  scope.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) =>
          Object.keys(m.data as Record<string, string>).map((id) => ({ path: c.node.path, id })),
        ),
    );

/** Acknowledgements matching no finding the packs report on the stack without acknowledgements. */
function staleAcknowledgements(
  context: Record<string, string>,
  deployed: App,
): { path: string; id: string }[] {
  const raw = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const config = configFromContext((key) => context[key]);
  new PrivacyStreamsStack(raw, config.prefix, { config, acknowledgeNagFindings: false });
  const rawFindings = findingsIn(raw);
  return acknowledgementsIn(deployed).filter(
    (ack) =>
      !rawFindings.some(
        (f) => ack.id.endsWith(f.rule) && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
      ),
  );
}

describe.each([
  ['tracing on', { tracing: 'active' }],
  ['the small stack with alarm e-mail', { streamMode: 'provisioned', alarmEmail: 'ops@example.com' }],
])('cdk-nag packs on %s', (_name, context) => {
  let deployed: App;
  beforeAll(() => {
    deployed = synthPrivacyStreams({ bundle: false, context }).app;
  });

  it('report nothing unacknowledged', () => {
    // Act
    const findings = findingsIn(deployed);

    // Assess
    expect(findings).toEqual([]);
  });

  it('every acknowledgement matches a finding the packs really report (none is stale)', () => {
    // Act
    const stale = staleAcknowledgements(context, deployed);

    // Assess
    expect(acknowledgementsIn(deployed).length).toBeGreaterThan(0);
    expect(stale).toEqual([]);
  });
});
