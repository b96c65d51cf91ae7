import { RemovalPolicy } from 'aws-cdk-lib';
import { configFromContext, DEFAULT_CONFIG, statefulRemovalPolicy } from '../../lib/stack-config';

const fromContext = (values: Record<string, unknown>) => configFromContext((key) => values[key]);

describe('deployment configuration from CDK context', () => {
  it('uses the defaults when no context is given', () => {
    expect(fromContext({})).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toMatchObject({
      prefix: 'privacy-streams',
      retentionHours: 168,
      keyRotationDays: 365,
      removalPolicy: 'retain',
    });
  });

  it('reads command-line strings (-c key=value) as numbers', () => {
    const config = fromContext({
      prefix: 'strm-dev',
      retentionHours: '48',
      keyRotationDays: '90',
      logRetentionDays: '7',
    });
    expect(config).toMatchObject({
      prefix: 'strm-dev',
      retentionHours: 48,
      keyRotationDays: 90,
      logRetentionDays: 7,
    });
  });

  it('reads JSON numbers from cdk.json', () => {
    expect(fromContext({ throttleRateLimit: 50, throttleBurstLimit: 100 })).toMatchObject({
      throttleRateLimit: 50,
      throttleBurstLimit: 100,
    });
  });

  it('retains stateful resources by default and destroys them when asked', () => {
    expect(statefulRemovalPolicy(fromContext({}))).toBe(RemovalPolicy.RETAIN);
    expect(statefulRemovalPolicy(fromContext({ removalPolicy: 'destroy' }))).toBe(RemovalPolicy.DESTROY);
  });

  it.each([
    ['retentionHours', '23', /retentionHours must be an integer from 24 to 8760/],
    ['retentionHours', '8761', /retentionHours/],
    ['retentionHours', 'week', /retentionHours/],
    ['keyRotationDays', '30', /keyRotationDays must be an integer from 90 to 2560/],
    ['logRetentionDays', '10', /logRetentionDays must be one of/],
    ['removalPolicy', 'snapshot', /removalPolicy must be 'retain' or 'destroy'/],
    ['prefix', 'Privacy_Streams', /prefix must be/],
    ['throttleRateLimit', '0', /throttleRateLimit/],
  ])('rejects %s=%s naming the key', (key, value, message) => {
    expect(() => fromContext({ [key]: value })).toThrow(message);
  });
});
