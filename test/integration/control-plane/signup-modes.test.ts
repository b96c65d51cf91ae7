import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../../lambdas/handlers/management';
import { startTestEmulators, type TestEmulators } from '../../support/emulators';
import { bodyOf, httpEvent } from './control-plane-env';

/**
 * Sign-up modes through the Lambda entry point itself, configured only by environment variables (as
 * deployed), against dynalite and the local KMS server. Secrets Manager is the one mocked service.
 */
const BOOTSTRAP_SECRET = 'first-account-secret-value';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bootstrap-AbCdEf';
const savedEnv = { ...process.env };
const secretsManager = mockClient(SecretsManagerClient);
let emulators: TestEmulators;

beforeAll(async () => {
  // Sets the endpoints, credentials, table names and KMS key of the local stack in process.env.
  emulators = await startTestEmulators();
  Object.assign(process.env, {
    SIGNUP_MODE: 'bootstrap',
    BOOTSTRAP_SECRET_ARN: SECRET_ARN,
    // Management ends the subscribers of deleted streams there; nothing is deleted in these tests.
    WS_CALLBACK_URL: 'http://127.0.0.1:9',
  });
  secretsManager
    .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
    .resolves({ SecretString: BOOTSTRAP_SECRET });
});

afterAll(async () => {
  await emulators.stop();
  process.env = savedEnv;
  secretsManager.restore();
});

const signUp = (body: object) => handler(httpEvent({ method: 'POST', path: '/v1/accounts', body }));

describe('bootstrap sign-up (SIGNUP_MODE=bootstrap)', () => {
  it('refuses the first account without the bootstrap secret', async () => {
    const res = await signUp({ email: 'admin@example.com', password: 'a long enough password' });
    expect(res.statusCode).toBe(403);
    expect(bodyOf(res).error.message).toBe('sign-up is closed');
  });

  it('refuses the first account with a wrong bootstrap secret', async () => {
    const res = await signUp({
      email: 'admin@example.com',
      password: 'a long enough password',
      bootstrapSecret: 'guess',
    });
    expect(res.statusCode).toBe(403);
  });

  it('creates the first account with the secret from Secrets Manager, and then closes', async () => {
    const first = await signUp({
      email: 'admin@example.com',
      password: 'a long enough password',
      bootstrapSecret: BOOTSTRAP_SECRET,
    });
    expect(first.statusCode).toBe(201);
    const login = await handler(
      httpEvent({
        method: 'POST',
        path: '/v1/auth/login',
        body: { email: 'admin@example.com', password: 'a long enough password' },
      }),
    );
    expect(login.statusCode).toBe(200);

    const second = await signUp({
      email: 'other@example.com',
      password: 'a long enough password',
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
