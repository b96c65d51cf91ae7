import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/handlers/management';
import { startKmsServer } from '../../../local/kms-server';
import { bodyOf, createTables, httpEvent, startDynalite } from './control-plane-env';

/**
 * Sign-up modes through the Lambda entry point itself, configured only by environment variables (as
 * deployed), against dynalite and the local KMS server. Secrets Manager is the one mocked service.
 */
const BOOTSTRAP_SECRET = 'first-account-secret-value';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bootstrap-AbCdEf';
const savedEnv = { ...process.env };
const secretsManager = mockClient(SecretsManagerClient);
let dynalite: Awaited<ReturnType<typeof startDynalite>>;
let kmsServer: Awaited<ReturnType<typeof startKmsServer>>;

beforeAll(async () => {
  [dynalite, kmsServer] = await Promise.all([
    startDynalite(),
    startKmsServer({ port: 0, host: '127.0.0.1' }),
  ]);
  const suffix = randomUUID().slice(0, 8);
  const tables = ['accounts', 'streams', 'contracts', 'key-links', 'usage'].map((t) => `${t}-${suffix}`);
  const raw = new DynamoDBClient({
    endpoint: dynalite.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  });
  await createTables(raw, tables);
  raw.destroy();
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.url,
    AWS_ENDPOINT_URL_KMS: kmsServer.url,
    ACCOUNTS_TABLE: tables[0],
    STREAMS_TABLE: tables[1],
    CONTRACTS_TABLE: tables[2],
    KEY_LINKS_TABLE: tables[3],
    USAGE_TABLE: tables[4],
    KMS_KEY_ID: kmsServer.keyId,
    SIGNUP_MODE: 'bootstrap',
    BOOTSTRAP_SECRET_ARN: SECRET_ARN,
  });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
    .resolves({ SecretString: BOOTSTRAP_SECRET });
});

afterAll(async () => {
  process.env = savedEnv;
  secretsManager.restore();
  await Promise.all([dynalite.close(), kmsServer.close()]);
});

const signUp = (body: object) => handler(httpEvent({ method: 'POST', path: '/v1/accounts', body }));

describe('bootstrap sign-up (SIGNUP_MODE=bootstrap)', () => {
  it('refuses the first account without the bootstrap secret', async () => {
    const res = await signUp({ email: 'admin@example.com', password: 'longenough' });
    expect(res.statusCode).toBe(403);
    expect(bodyOf(res).error.message).toBe('sign-up is closed');
  });

  it('refuses the first account with a wrong bootstrap secret', async () => {
    const res = await signUp({
      email: 'admin@example.com',
      password: 'longenough',
      bootstrapSecret: 'guess',
    });
    expect(res.statusCode).toBe(403);
  });

  it('creates the first account with the secret from Secrets Manager, and then closes', async () => {
    const first = await signUp({
      email: 'admin@example.com',
      password: 'longenough',
      bootstrapSecret: BOOTSTRAP_SECRET,
    });
    expect(first.statusCode).toBe(201);
    const login = await handler(
      httpEvent({
        method: 'POST',
        path: '/v1/auth/login',
        body: { email: 'admin@example.com', password: 'longenough' },
      }),
    );
    expect(login.statusCode).toBe(200);

    const second = await signUp({
      email: 'other@example.com',
      password: 'longenough',
      bootstrapSecret: BOOTSTRAP_SECRET,
    });
    expect(second.statusCode).toBe(403);
    expect(bodyOf(second).error.message).toBe('sign-up is closed');
  });

  it('read the secret by the configured ARN', () => {
    expect(secretsManager.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toContain(
      SECRET_ARN,
    );
  });
});
