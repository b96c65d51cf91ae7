import type { Template } from 'aws-cdk-lib/assertions';
import { HANDLERS, resourcesOf, synthPrivacyStreams } from './synth-stack';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

const XRAY_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

const allStatements = (template: Template): Statement[] =>
  Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement,
  );

/** Allow statements of the role of `privacy-streams-<handler>`. */
function statementsOf(template: Template, handler: string): Statement[] {
  const fn = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).find(
    (f) => f.Properties.FunctionName === `privacy-streams-${handler}`,
  )!;
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .filter((s: Statement) => s.Effect === 'Allow');
}

const tracingModes = (template: Template) =>
  Object.values(resourcesOf(template, 'AWS::Lambda::Function')).map((f) => f.Properties.TracingConfig?.Mode);

let off: Template;
let active: Template;
beforeAll(() => {
  off = synthPrivacyStreams({ bundle: false }).template;
  active = synthPrivacyStreams({ bundle: false, context: { tracing: 'active' } }).template;
});

describe('X-Ray tracing by default', () => {
  it('is off for every function (no TracingConfig: nothing is traced)', () => {
    // Act
    const modes = tracingModes(off);

    // Assess
    expect(modes).toHaveLength(HANDLERS.length);
    expect(new Set(modes)).toEqual(new Set([undefined]));
  });

  it('grants no X-Ray action to any role', () => {
    // Act
    const actions = allStatements(off).flatMap((s) => asList(s.Action));

    // Assess
    expect(actions.length).toBeGreaterThan(40);
    expect(actions.filter((a) => a.startsWith('xray:'))).toEqual([]);
  });
});

describe('X-Ray tracing with -c tracing=active', () => {
  it('is active on every function (Lambda samples: the first invocation each second, then 5 %)', () => {
    // Act
    const modes = tracingModes(active);

    // Assess
    expect(modes).toHaveLength(HANDLERS.length);
    expect(new Set(modes)).toEqual(new Set(['Active']));
  });

  it.each(HANDLERS)(
    '%s may write traces (the two X-Ray actions, which have no resource-level permissions)',
    (handler) => {
      // Act
      const xray = statementsOf(active, handler).filter((s) =>
        asList(s.Action).some((a) => a.startsWith('xray:')),
      );

      // Assess
      expect(xray).toHaveLength(1);
      expect(asList(xray[0].Action).sort()).toEqual(XRAY_ACTIONS);
      expect(xray[0].Resource).toBe('*');
    },
  );

  it('only X-Ray actions use Resource * at all', () => {
    // Act
    const wildcardActions = allStatements(active)
      .filter((s) => asList(s.Resource).includes('*'))
      .flatMap((s) => asList(s.Action));

    // Assess
    expect(new Set(wildcardActions)).toEqual(new Set(XRAY_ACTIONS));
  });

  it('health can only write its logs and traces', () => {
    // Act
    const actions = statementsOf(active, 'health').flatMap((s) => asList(s.Action));

    // Assess
    expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', ...XRAY_ACTIONS]);
  });
});

describe('tracing context value', () => {
  it('other than off or active fails the synth naming the key', () => {
    // Act
    const synth = () => synthPrivacyStreams({ bundle: false, context: { tracing: 'sampled' } });

    // Assess
    expect(synth).toThrow(/context tracing must be 'off' or 'active'/);
  });
});
