import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { SIGNING_KEY_ID } from '../../../lambdas/aws/system-secrets';
import { generateClientCredentials, hashClientSecret } from '../../../lambdas/core/client-secrets';
import { TokenService } from '../../../lambdas/core/tokens';
import { createWsAuthorizerHandler } from '../../../lambdas/handlers/ws-authorizer';
import { type ControlPlaneEnv, givenStream, ISSUER, startControlPlaneEnv } from './control-plane-env';

/** A real `$connect` REQUEST authorizer event (Powertools' apigw-websocket/connectEvent.json, MIT-0). */
const sample = {
  type: 'REQUEST',
  methodArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/default/$connect',
  headers: {
    Connection: 'upgrade',
    'content-length': '0',
    Host: 'abcdef123.execute-api.us-east-1.amazonaws.com',
    Upgrade: 'websocket',
  },
  multiValueHeaders: {
    Connection: ['upgrade'],
    'content-length': ['0'],
    Host: ['abcdef123.execute-api.us-east-1.amazonaws.com'],
    Upgrade: ['websocket'],
  },
  queryStringParameters: { QueryString1: 'queryValue1' },
  multiValueQueryStringParameters: { QueryString1: ['queryValue1'] },
  stageVariables: {},
  requestContext: {
    routeKey: '$connect',
    eventType: 'CONNECT',
    extendedRequestId: 'XYZ123=',
    requestTime: '10/Oct/2024:22:56:18 +0000',
    messageDirection: 'IN',
    stage: 'default',
    connectedAt: 1674162806344,
    requestTimeEpoch: 1674162806345,
    identity: { sourceIp: '192.0.2.1' },
    requestId: 'abc123',
    domainName: 'abcdef123.execute-api.us-east-1.amazonaws.com',
    connectionId: 'def456',
    apiId: 'abcdef123',
  },
  isBase64Encoded: false,
  body: null,
};

let env: ControlPlaneEnv;

beforeAll(async () => {
  env = await startControlPlaneEnv();
});

afterAll(async () => {
  await env.close();
});

/** The reference `$connect` authorizer event with the given headers and query parameters. */
function connectEvent(opts: { headers?: Record<string, string>; query?: Record<string, string> } = {}) {
  return {
    ...sample,
    headers: { ...sample.headers, ...(opts.headers ?? {}) },
    queryStringParameters: { ...sample.queryStringParameters, ...(opts.query ?? {}) },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

async function givenStreamToken() {
  const { record, clientId } = await givenStream(env);
  const tokens = await env.tokens.issueStreamTokens({
    clientId,
    accountId: record.accountId,
    stream: record.name,
    derived: false,
  });
  return { record, clientId, tokens };
}

function expectDeny(result: Awaited<ReturnType<ControlPlaneEnv['wsAuthorizer']>>) {
  expect(result.policyDocument.Statement).toEqual([
    { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: sample.methodArn },
  ]);
  expect(result.context).toBeUndefined();
}

describe('WebSocket $connect authorizer', () => {
  it('allows a valid stream token from the Authorization header, with the stream in the context', async () => {
    const { record, clientId, tokens } = await givenStreamToken();
    const result = await env.wsAuthorizer(
      connectEvent({ headers: { Authorization: `Bearer ${tokens.accessToken}` } }),
    );
    expect(result).toEqual({
      principalId: clientId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: sample.methodArn }],
      },
      context: { accountId: record.accountId, stream: record.name, clientId },
    });
  });

  it('reads the header case-insensitively', async () => {
    const { tokens } = await givenStreamToken();
    const result = await env.wsAuthorizer(
      connectEvent({ headers: { AUTHORIZATION: `bearer ${tokens.accessToken}` } }),
    );
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
  });

  it('allows a token in the ?token= query parameter (browsers cannot set headers)', async () => {
    const { tokens } = await givenStreamToken();
    const result = await env.wsAuthorizer(connectEvent({ query: { token: tokens.accessToken } }));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
  });

  it('denies without a token', async () => {
    expectDeny(await env.wsAuthorizer(connectEvent()));
  });

  it('denies garbage, refresh tokens, user tokens, forged and expired tokens', async () => {
    const { record, clientId, tokens } = await givenStreamToken();
    const claims = { clientId, accountId: record.accountId, stream: record.name, derived: false };
    const forged = await new TokenService({
      signingKey: new Uint8Array(32).fill(1),
      kid: SIGNING_KEY_ID,
      issuer: ISSUER,
    }).issueStreamTokens(claims);
    const expired = await new TokenService({
      signingKey: await env.secrets.get('signing'),
      kid: SIGNING_KEY_ID,
      issuer: ISSUER,
      now: () => Date.now() - 3600 * 1000,
    }).issueStreamTokens(claims);
    const user = await env.tokens.issueUserTokens({ accountId: record.accountId, email: 'a@example.com' });
    for (const token of [
      'garbage',
      tokens.refreshToken,
      user.accessToken,
      forged.accessToken,
      expired.accessToken,
    ]) {
      expectDeny(await env.wsAuthorizer(connectEvent({ query: { token } })));
    }
  });

  it('denies a valid token whose stream was deleted', async () => {
    const { record, tokens } = await givenStreamToken();
    await env.streams.delete(record.accountId, record.name);
    expectDeny(await env.wsAuthorizer(connectEvent({ query: { token: tokens.accessToken } })));
  });

  it('denies a token of a stream that was deleted and recreated under the same name', async () => {
    const { record, tokens } = await givenStreamToken();
    await env.streams.delete(record.accountId, record.name);
    const fresh = generateClientCredentials();
    await env.streams.create(
      { ...record, createdAt: new Date().toISOString(), credentials: [{ clientId: fresh.clientId }] },
      { clientId: fresh.clientId, secretHash: hashClientSecret(fresh.clientSecret) },
    );
    expectDeny(await env.wsAuthorizer(connectEvent({ query: { token: tokens.accessToken } })));
  });

  it('denies, logging only the error name, when the token service cannot be built', async () => {
    // On AWS the authorizer may only read the signing secret: before any token was issued it does not
    // exist yet and creating it is AccessDenied. No valid token can exist then.
    const { tokens } = await givenStreamToken();
    const logger = new Logger({ serviceName: 'ws-authorizer-test', logLevel: 'SILENT' });
    const logged = [jest.spyOn(logger, 'warn'), jest.spyOn(logger, 'info'), jest.spyOn(logger, 'error')];
    const accessDenied = Object.assign(
      new Error('User arn:aws:iam::123:role/x is not authorized (secret-ish)'),
      {
        name: 'AccessDeniedException',
      },
    );
    const authorize = createWsAuthorizerHandler({
      streams: env.streams,
      sessions: env.sessions,
      tokens: async () => {
        throw accessDenied;
      },
      logger,
    });
    expectDeny(await authorize(connectEvent({ query: { token: tokens.accessToken } })));
    const lines = JSON.stringify(logged.flatMap((spy) => spy.mock.calls));
    expect(lines).toContain('AccessDeniedException');
    expect(lines).not.toContain('secret-ish');
  });
});
