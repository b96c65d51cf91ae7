import { environmentOf } from '../../../lib/function-environment';
import { FUNCTION_NAMES } from '../../../lib/topology';
import { emulatorEnv } from '../../../local/emulators';
import { localFunctionEnv } from '../../../local/function-env';

/** What each function's worker gets as its whole process.env in the local stack. */

const endpoints = {
  kinesisUrl: 'http://127.0.0.1:1001',
  dynamodbUrl: 'http://127.0.0.1:1002',
  kmsUrl: 'http://127.0.0.1:1003',
  kmsKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/local',
  callbackUrl: 'http://127.0.0.1:1004',
  credentials: { accessKeyId: 'AKIATESTTESTTESTTEST', secretAccessKey: 'test-secret' },
  s3Url: 'http://127.0.0.1:1005',
};
const launcher = { PATH: '/usr/bin', HOME: '/home/me', AWS_PROFILE: 'prod', STREAMS_TABLE: 'someone-elses' };

describe('a function’s local environment', () => {
  it.each(FUNCTION_NAMES)(
    '%s gets its topology variables and the emulator settings, nothing else',
    (name) => {
      // Prepare
      const declared = environmentOf(name).map(([variable]) => variable);
      const locallyUnset = ['NODE_OPTIONS', 'BOOTSTRAP_SECRET_ARN', 'EXPORT_BUCKETS'];
      // Act
      const env = localFunctionEnv(name, endpoints, launcher);
      // Assess
      expect(Object.keys(env).sort()).toEqual(
        [...declared.filter((v) => !locallyUnset.includes(v)), ...Object.keys(emulatorEnv(endpoints))].sort(),
      );
    },
  );

  it('never hands on the launcher’s own variables (profile, home, a stray table name)', () => {
    // Act
    const env = localFunctionEnv('ingest', endpoints, launcher);
    // Assess
    expect(env).not.toHaveProperty('PATH');
    expect(env).not.toHaveProperty('HOME');
    expect(env).not.toHaveProperty('AWS_PROFILE');
    expect(env.STREAMS_TABLE).toBe('ps-streams');
  });

  it('resolves resources to the local tables, streams, key and callback URL', () => {
    // Act
    const ingest = localFunctionEnv('ingest', endpoints, launcher);
    const egress = localFunctionEnv('egress', endpoints, launcher);
    // Assess
    expect(ingest).toMatchObject({
      STREAMS_TABLE: 'ps-streams',
      CONTRACTS_TABLE: 'ps-contracts',
      KEY_LINKS_TABLE: 'ps-key-links',
      SOURCE_EVENTS_STREAM: 'ps-source-events',
      KMS_KEY_ID: endpoints.kmsKeyArn,
      AWS_ENDPOINT_URL_KINESIS: endpoints.kinesisUrl,
    });
    expect(egress).toMatchObject({
      CONNECTIONS_TABLE: 'ps-connections',
      WS_CALLBACK_URL: endpoints.callbackUrl,
    });
  });

  it('applies the topology’s local overrides: open sign-up, no bootstrap secret, the default issuer', () => {
    // Act
    const env = localFunctionEnv('management', endpoints, launcher);
    // Assess
    expect(env).toMatchObject({
      SIGNUP_MODE: 'open',
      TOKEN_ISSUER: 'privacy-streams',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    });
    expect(env).not.toHaveProperty('BOOTSTRAP_SECRET_ARN');
    expect(env).not.toHaveProperty('NODE_OPTIONS');
  });

  it('names the logging service after the function, as on AWS', () => {
    expect(localFunctionEnv('ws-connect', endpoints, launcher).POWERTOOLS_SERVICE_NAME).toBe('ws-connect');
  });

  it('lets the launcher’s logging knobs through', () => {
    // Act
    const env = localFunctionEnv('health', endpoints, {
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      POWERTOOLS_DEV: 'true',
    });
    // Assess
    expect(env).toMatchObject({ POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_DEV: 'true' });
  });
});
