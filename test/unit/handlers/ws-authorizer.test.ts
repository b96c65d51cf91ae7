import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import type { TokenService } from '../../../lambdas/core/tokens';
import {
  createWsAuthorizerHandler,
  type WsAuthorizerDeps,
  type WsAuthorizerResult,
} from '../../../lambdas/handlers/ws-authorizer';
import { InMemorySessionsRepo } from '../../support/fakes/in-memory-sessions-repo';
import { InMemoryStreamsRepo } from '../../support/fakes/in-memory-streams-repo';
import { recordingLogger } from '../../support/recording-logger';
import { givenStreamWithCredential } from '../../support/stream-records';
import { testTokenService } from '../../support/token-service';
import { CONNECT_METHOD_ARN, connectAuthorizerEvent } from '../../support/websocket-events';

/** The `$connect` authorizer through its factory, with the in-memory streams table and a fixed-key TokenService. */
function setup(overrides: Partial<WsAuthorizerDeps> = {}) {
  const streams = new InMemoryStreamsRepo();
  const sessions = new InMemorySessionsRepo();
  const tokens = testTokenService();
  const logs = recordingLogger('ws-authorizer');
  const authorize = createWsAuthorizerHandler({
    streams,
    sessions,
    tokens: async () => tokens,
    logger: logs.logger,
    ...overrides,
  });
  return { streams, sessions, tokens, logs, authorize };
}

/** A stored stream and a valid access token of its client. */
async function givenStreamToken(
  env: { streams: InMemoryStreamsRepo; tokens: TokenService },
  overrides: Partial<StreamRecord> = {},
) {
  const { record, clientId } = givenStreamWithCredential(env.streams, overrides);
  const issued = await env.tokens.issueStreamTokens({
    clientId,
    accountId: record.accountId,
    stream: record.name,
    derived: record.linkedStream !== undefined,
  });
  return { record, clientId, issued, accessToken: issued.accessToken };
}

const DENY = {
  principalId: 'anonymous',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: CONNECT_METHOD_ARN }],
  },
};

function effectOf(result: WsAuthorizerResult): unknown {
  return result.policyDocument.Statement[0]?.Effect;
}

describe('WebSocket $connect authorizer: allow', () => {
  it('allows a valid stream token from the Authorization header, with the stream in the context', async () => {
    // Prepare
    const env = setup();
    const { record, clientId, accessToken } = await givenStreamToken(env);
    // Act
    const result = await env.authorize(
      connectAuthorizerEvent({ headers: { Authorization: `Bearer ${accessToken}` } }),
    );
    // Assess
    expect(result).toEqual({
      principalId: clientId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: CONNECT_METHOD_ARN }],
      },
      context: { accountId: record.accountId, stream: record.name, clientId },
    });
  });

  it('reads the Authorization header and the Bearer scheme case-insensitively', async () => {
    // Prepare
    const env = setup();
    const { accessToken } = await givenStreamToken(env);
    // Act
    const result = await env.authorize(
      connectAuthorizerEvent({ headers: { AUTHORIZATION: `bearer ${accessToken}` } }),
    );
    // Assess
    expect(effectOf(result)).toBe('Allow');
  });

  it('allows a token in the ?token= query parameter (browsers cannot set headers)', async () => {
    // Prepare
    const env = setup();
    const { accessToken } = await givenStreamToken(env);
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(effectOf(result)).toBe('Allow');
  });

  it('takes ?token= when the Authorization header carries no bearer token', async () => {
    // Prepare
    const env = setup();
    const { accessToken } = await givenStreamToken(env);
    const event = connectAuthorizerEvent({
      headers: { authorization: 'Basic abc' },
      query: { token: accessToken },
    });
    // Act
    const result = await env.authorize(event);
    // Assess
    expect(effectOf(result)).toBe('Allow');
  });

  it('allows the token of a derived stream', async () => {
    // Prepare
    const env = setup();
    const { record, accessToken } = await givenStreamToken(env, {
      linkedStream: 'source',
      consentLevels: [0],
      consentLevelType: 'CUMULATIVE',
    });
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(result.context?.stream).toBe(record.name);
  });
});

describe('WebSocket $connect authorizer: deny', () => {
  it('denies without a token, with no context, and logs why', async () => {
    // Prepare
    const env = setup();
    // Act
    const result = await env.authorize(connectAuthorizerEvent());
    // Assess
    expect(result).toEqual(DENY);
    expect(env.logs.lines()).toContainEqual(['connection denied', { reason: 'missing_token' }]);
  });

  it('denies an empty ?token=', async () => {
    // Prepare
    const env = setup();
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: '' } }));
    // Assess
    expect(result).toEqual(DENY);
  });

  it.each([
    ['garbage', async () => 'garbage'],
    [
      'a refresh token',
      async (env: ReturnType<typeof setup>) => (await givenStreamToken(env)).issued.refreshToken,
    ],
    [
      'a user token',
      async (env: ReturnType<typeof setup>) =>
        (await env.tokens.issueUserTokens({ accountId: 'acc', email: 'a@example.com' })).accessToken,
    ],
    [
      'a token signed with another key',
      async (env: ReturnType<typeof setup>) => {
        const { record, clientId } = await givenStreamToken(env);
        const forger = testTokenService({ signingKeyByte: 1 });
        const claims = { clientId, accountId: record.accountId, stream: record.name, derived: false };
        return (await forger.issueStreamTokens(claims)).accessToken;
      },
    ],
  ])('denies %s as invalid_token', async (_case, tokenFor) => {
    // Prepare
    const env = setup();
    const token = await tokenFor(env);
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token } }));
    // Assess
    expect(result).toEqual(DENY);
    expect(env.logs.lines()).toContainEqual(['connection denied', { reason: 'invalid_token' }]);
  });

  it('denies an expired token as token_expired', async () => {
    // Prepare
    const env = setup();
    const { record, clientId } = await givenStreamToken(env);
    const anHourAgo = Date.now() - 60 * 60 * 1000;
    const claims = { clientId, accountId: record.accountId, stream: record.name, derived: false };
    const expired = await testTokenService({ now: () => anHourAgo }).issueStreamTokens(claims);
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: expired.accessToken } }));
    // Assess
    expect(result).toEqual(DENY);
    expect(env.logs.lines()).toContainEqual(['connection denied', { reason: 'token_expired' }]);
  });

  it('denies when the token service cannot be built, logging only the error name', async () => {
    // Prepare
    const accessDenied = Object.assign(
      new Error('role arn:aws:iam::123:role/x is not authorized (secret-ish)'),
      {
        name: 'AccessDeniedException',
      },
    );
    const env = setup({
      tokens: async () => {
        throw accessDenied;
      },
    });
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: 'any-token' } }));
    // Assess
    expect(result).toEqual(DENY);
    expect(env.logs.lines()).toContainEqual([
      'token service unavailable',
      { errorName: 'AccessDeniedException' },
    ]);
    expect(env.logs.lines()).toContainEqual(['connection denied', { reason: 'token_service_unavailable' }]);
    expect(env.logs.text()).not.toContain('secret-ish');
  });

  it('denies a valid token whose stream was deleted', async () => {
    // Prepare
    const env = setup();
    const { record, accessToken } = await givenStreamToken(env);
    await env.streams.delete(record.accountId, record.name);
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(result).toEqual(DENY);
    expect(env.logs.lines()).toContainEqual(['connection denied', { reason: 'stream_gone' }]);
  });

  it('denies a valid token of a disabled stream', async () => {
    // Prepare
    const env = setup();
    const { accessToken } = await givenStreamToken(env, { enabled: false });
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(result).toEqual(DENY);
    expect(env.logs.lines()).toContainEqual(['connection denied', { reason: 'stream_gone' }]);
  });

  it('denies a valid token of a stream stored without `enabled` (inactive everywhere)', async () => {
    // Prepare
    const env = setup();
    const { record, accessToken } = await givenStreamToken(env);
    const { enabled: _enabled, ...withoutEnabled } = record;
    env.streams.put(withoutEnabled as StreamRecord);
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(result).toEqual(DENY);
  });

  it('denies a token of a stream deleted and recreated under the same name (client not of the stream)', async () => {
    // Prepare
    const env = setup();
    const { record, accessToken } = await givenStreamToken(env);
    await env.streams.delete(record.accountId, record.name);
    givenStreamWithCredential(env.streams, { accountId: record.accountId, name: record.name });
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(result).toEqual(DENY);
    expect(env.logs.lines()).toContainEqual(['connection denied', { reason: 'client_not_of_stream' }]);
  });

  it('never logs the token', async () => {
    // Prepare
    const env = setup();
    const { record, accessToken } = await givenStreamToken(env);
    await env.streams.delete(record.accountId, record.name);
    // Act
    await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(env.logs.text()).not.toContain(accessToken);
  });
});

describe('WebSocket $connect authorizer: failures', () => {
  it('throws when the streams table fails (API Gateway answers 500, the client may retry)', async () => {
    // Prepare
    const env = setup();
    const { accessToken } = await givenStreamToken(env);
    const unavailable = Object.assign(new Error('throughput exceeded'), {
      name: 'ProvisionedThroughputExceededException',
    });
    jest.spyOn(env.streams, 'get').mockRejectedValue(unavailable);
    // Act
    const result = env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    await expect(result).rejects.toBe(unavailable);
  });

  it('throws when token verification fails for a reason other than the token', async () => {
    // Prepare
    const broken = new TypeError('verifier broke');
    const env = setup({
      tokens: async () => ({
        verifySubscriberToken: async () => {
          throw broken;
        },
      }),
    });
    // Act
    const result = env.authorize(connectAuthorizerEvent({ query: { token: 'any-token' } }));
    // Assess
    await expect(result).rejects.toBe(broken);
  });
});
