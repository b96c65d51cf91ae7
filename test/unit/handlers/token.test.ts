import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { generateClientCredentials } from '../../../lambdas/core/client-secrets';
import { RateLimiter } from '../../../lambdas/core/rate-limit';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import type { TokenService } from '../../../lambdas/core/tokens';
import { createTokenHandler, type TokenHandlerDeps } from '../../../lambdas/handlers/token';
import { InMemoryBillingIdsRepo } from '../../support/fakes/in-memory-billing-ids-repo';
import { InMemoryStreamsRepo } from '../../support/fakes/in-memory-streams-repo';
import { httpApiEvent } from '../../support/http-api-event';
import { recordingLogger } from '../../support/recording-logger';
import { givenStreamWithCredential } from '../../support/stream-records';
import { testTokenService } from '../../support/token-service';

/** `POST /auth/token` through its factory, with the in-memory streams table and a fixed-key TokenService. */
function setup(overrides: Partial<TokenHandlerDeps> = {}) {
  const streams = new InMemoryStreamsRepo();
  const tokens = testTokenService();
  const logs = recordingLogger('token');
  const billingIds = new InMemoryBillingIdsRepo();
  const handler = createTokenHandler({
    streams,
    tokens: async () => tokens,
    billingIds,
    logger: logs.logger,
    ...overrides,
  });
  return { streams, tokens, billingIds, logs, token: handler };
}

function formRequest(params: Record<string, string>, headers: Record<string, string> = {}) {
  return httpApiEvent({
    method: 'POST',
    path: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
}

function rawRequest(body: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return httpApiEvent({ method: 'POST', path: '/auth/token', headers, body });
}

function basic(clientId: string, clientSecret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` };
}

function clientCredentials(stream: { clientId: string; clientSecret: string }) {
  return formRequest({
    grant_type: 'client_credentials',
    client_id: stream.clientId,
    client_secret: stream.clientSecret,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary response shapes
function bodyOf(response: APIGatewayProxyStructuredResultV2): any {
  return JSON.parse(response.body ?? '');
}

async function refreshTokenOf(
  token: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>,
  stream: { clientId: string; clientSecret: string },
): Promise<string> {
  return bodyOf(await token(clientCredentials(stream))).refresh_token;
}

/** A stream record as stored before the `enabled` flag existed. */
function withoutEnabled(record: StreamRecord): StreamRecord {
  const { enabled: _enabled, ...rest } = record;
  return rest as StreamRecord;
}

function claimsOf(record: StreamRecord, clientId: string, derived = false) {
  return { clientId, accountId: record.accountId, stream: record.name, derived };
}

describe('POST /auth/token, client_credentials grant', () => {
  it('issues a stream token pair for form-encoded credentials', async () => {
    // Prepare
    const { billingIds, streams, tokens, token } = setup();
    const stream = givenStreamWithCredential(streams);
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      expires_at: expect.any(Number),
      refresh_token: expect.any(String),
      refresh_expires_in: 86400,
    });
    await expect(tokens.verifyStreamToken(body.access_token)).resolves.toEqual({
      ...claimsOf(stream.record, stream.clientId),
      billingId: await billingIds.find(stream.record.accountId),
    });
    await expect(tokens.verifyStreamRefreshToken(body.refresh_token)).resolves.toEqual({
      ...claimsOf(stream.record, stream.clientId),
      billingId: await billingIds.find(stream.record.accountId),
    });
  });

  it('marks the token response as not cacheable', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(response.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': 'no-store',
      pragma: 'no-cache',
    });
  });

  it('accepts a JSON body', async () => {
    // Prepare
    const { streams, token } = setup();
    const { clientId, clientSecret } = givenStreamWithCredential(streams);
    const body = JSON.stringify({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
    // Act
    const response = await token(rawRequest(body, { 'content-type': 'application/json' }));
    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('reads a body without a content type that starts with { as JSON', async () => {
    // Prepare
    const { streams, token } = setup();
    const { clientId, clientSecret } = givenStreamWithCredential(streams);
    const body = ` {"grant_type":"client_credentials","client_id":"${clientId}","client_secret":"${clientSecret}"}`;
    // Act
    const response = await token(rawRequest(body));
    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('treats a JSON null as an absent parameter', async () => {
    // Prepare
    const { streams, token } = setup();
    const { clientId } = givenStreamWithCredential(streams);
    const body = JSON.stringify({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: null,
    });
    // Act
    const response = await token(rawRequest(body, { 'content-type': 'application/json' }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description: 'client_secret is required',
    });
  });

  it('decodes a base64-encoded body', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const form = clientCredentials(stream);
    const event = { ...form, body: Buffer.from(form.body ?? '').toString('base64'), isBase64Encoded: true };
    // Act
    const response = await token(event);
    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('accepts HTTP Basic client authentication', async () => {
    // Prepare
    const { streams, token } = setup();
    const { clientId, clientSecret } = givenStreamWithCredential(streams);
    // Act
    const response = await token(
      formRequest({ grant_type: 'client_credentials' }, basic(clientId, clientSecret)),
    );
    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('form-decodes the client id and secret inside HTTP Basic', async () => {
    // Prepare
    const { streams, token } = setup();
    const { clientId, clientSecret } = givenStreamWithCredential(streams);
    const encodedId = clientId.replace('-', '%2D');
    // Act
    const response = await token(
      formRequest({ grant_type: 'client_credentials' }, basic(encodedId, clientSecret)),
    );
    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('marks tokens of a derived stream as derived', async () => {
    // Prepare
    const { streams, tokens, token } = setup();
    const stream = givenStreamWithCredential(streams, {
      linkedStream: 'source',
      consentLevels: [0],
      consentLevelType: 'CUMULATIVE',
    });
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect((await tokens.verifyStreamToken(bodyOf(response).access_token)).derived).toBe(true);
  });

  it('refuses credentials in both the Authorization header and the body with 400 invalid_request', async () => {
    // Prepare
    const { streams, token } = setup();
    const { clientId, clientSecret } = givenStreamWithCredential(streams);
    const event = formRequest(
      { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
      basic(clientId, clientSecret),
    );
    // Act
    const response = await token(event);
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description:
        'send client credentials either in the Authorization header or in the body, not both',
    });
  });

  it('refuses a missing client_id with 400 invalid_request', async () => {
    // Prepare
    const { token } = setup();
    // Act
    const response = await token(formRequest({ grant_type: 'client_credentials', client_secret: 'secret' }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description: 'client_id is required',
    });
  });

  it('refuses a missing client_secret with 400 invalid_request', async () => {
    // Prepare
    const { token } = setup();
    // Act
    const response = await token(formRequest({ grant_type: 'client_credentials', client_id: 'ps-x' }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description: 'client_secret is required',
    });
  });

  it('answers an unknown client and a wrong secret alike: 401 invalid_client', async () => {
    // Prepare
    const { streams, token } = setup();
    const { clientId } = givenStreamWithCredential(streams);
    const unknown = generateClientCredentials();
    // Act
    const responses = [
      await token(clientCredentials({ clientId, clientSecret: 'wrong' })),
      await token(clientCredentials(unknown)),
      await token(clientCredentials({ clientId: 'not-a-client-id', clientSecret: 'x' })),
    ];
    // Assess
    for (const response of responses) {
      expect(response.statusCode).toBe(401);
      expect(bodyOf(response)).toEqual({
        error: 'invalid_client',
        error_description: 'unknown client or wrong secret',
      });
      expect(response.headers?.['www-authenticate']).toBeUndefined();
    }
  });

  it('challenges a client whose HTTP Basic authentication failed (WWW-Authenticate: Basic)', async () => {
    // Prepare
    const { streams, token } = setup();
    const { clientId } = givenStreamWithCredential(streams);
    // Act
    const response = await token(formRequest({ grant_type: 'client_credentials' }, basic(clientId, 'wrong')));
    // Assess
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error).toBe('invalid_client');
    expect(response.headers?.['www-authenticate']).toBe('Basic realm="privacy-streams"');
  });

  it.each([
    ['not base64', 'Basic !!!'],
    ['no colon', `Basic ${Buffer.from('no-colon').toString('base64')}`],
    ['bad percent-encoding', `Basic ${Buffer.from('%E0%A4%A:secret').toString('base64')}`],
  ])(
    'refuses a malformed Basic header (%s) with 401 invalid_client and a challenge',
    async (_case, value) => {
      // Prepare
      const { token } = setup();
      // Act
      const response = await token(
        formRequest({ grant_type: 'client_credentials' }, { authorization: value }),
      );
      // Assess
      expect(response.statusCode).toBe(401);
      expect(bodyOf(response)).toEqual({
        error: 'invalid_client',
        error_description: 'malformed Basic authorization header',
      });
      expect(response.headers?.['www-authenticate']).toBe('Basic realm="privacy-streams"');
    },
  );

  it('refuses the credentials of a deleted stream with 401 invalid_client', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    await streams.delete(stream.record.accountId, stream.record.name);
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error).toBe('invalid_client');
  });

  it('refuses the credentials of a disabled stream with 401 invalid_client', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams, { enabled: false });
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error).toBe('invalid_client');
  });

  it('refuses the credentials of a stream stored without `enabled` (inactive everywhere)', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    streams.put(withoutEnabled(stream.record));
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error).toBe('invalid_client');
  });

  it('refuses a credential its stream no longer lists (stream recreated under the same name)', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const fresh = generateClientCredentials();
    streams.put({ ...stream.record, credentials: [{ clientId: fresh.clientId }] });
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error).toBe('invalid_client');
  });

  it('logs the client id of an issued token but never its secret or tokens', async () => {
    // Prepare
    const { streams, logs, token } = setup();
    const stream = givenStreamWithCredential(streams);
    // Act
    const body = bodyOf(await token(clientCredentials(stream)));
    // Assess
    expect(logs.lines()).toContainEqual([
      'stream token issued',
      { grant: 'client_credentials', clientId: stream.clientId },
    ]);
    for (const secret of [stream.clientSecret, body.access_token, body.refresh_token]) {
      expect(logs.text()).not.toContain(secret);
    }
  });
});

describe('POST /auth/token, refresh_token grant', () => {
  it('issues a new token pair for a valid refresh token', async () => {
    // Prepare
    const { billingIds, streams, tokens, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const refreshToken = await refreshTokenOf(token, stream);
    // Act
    const response = await token(formRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    // Assess
    expect(response.statusCode).toBe(200);
    await expect(tokens.verifyStreamToken(bodyOf(response).access_token)).resolves.toEqual({
      ...claimsOf(stream.record, stream.clientId),
      billingId: await billingIds.find(stream.record.accountId),
    });
  });

  it('refuses an access token as refresh token with 400 invalid_grant', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const accessToken = bodyOf(await token(clientCredentials(stream))).access_token;
    // Act
    const response = await token(formRequest({ grant_type: 'refresh_token', refresh_token: accessToken }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_grant',
      error_description: 'refresh_token is not valid (invalid token)',
    });
  });

  it('refuses an expired refresh token with 400 invalid_grant', async () => {
    // Prepare
    const { billingIds, streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const dayAndAMinuteAgo = Date.now() - (24 * 60 + 1) * 60 * 1000;
    const old = await testTokenService({ now: () => dayAndAMinuteAgo }).issueStreamTokens({
      ...claimsOf(stream.record, stream.clientId),
      billingId: await billingIds.find(stream.record.accountId),
    });
    // Act
    const response = await token(
      formRequest({ grant_type: 'refresh_token', refresh_token: old.refreshToken }),
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_grant',
      error_description: 'refresh_token is not valid (token expired)',
    });
  });

  it('refuses a refresh token signed with another key with 400 invalid_grant', async () => {
    // Prepare
    const { billingIds, streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const forged = await testTokenService({ signingKeyByte: 1 }).issueStreamTokens({
      ...claimsOf(stream.record, stream.clientId),
      billingId: await billingIds.find(stream.record.accountId),
    });
    // Act
    const response = await token(
      formRequest({ grant_type: 'refresh_token', refresh_token: forged.refreshToken }),
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toBe('invalid_grant');
  });

  it('refuses a missing refresh_token with 400 invalid_request', async () => {
    // Prepare
    const { token } = setup();
    // Act
    const response = await token(formRequest({ grant_type: 'refresh_token' }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description: 'refresh_token is required',
    });
  });

  it('refuses the refresh token of a deleted credential (stream deleted) with 400 invalid_grant', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const refreshToken = await refreshTokenOf(token, stream);
    await streams.delete(stream.record.accountId, stream.record.name);
    // Act
    const response = await token(formRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_grant',
      error_description: 'the client of this refresh_token no longer exists',
    });
  });

  it('refuses the refresh token of a stream deleted and recreated under the same name', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const refreshToken = await refreshTokenOf(token, stream);
    await streams.delete(stream.record.accountId, stream.record.name);
    givenStreamWithCredential(streams, { accountId: stream.record.accountId, name: stream.record.name });
    // Act
    const response = await token(formRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toBe('invalid_grant');
  });

  it('refuses the refresh token of a credential whose stream no longer lists it', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const refreshToken = await refreshTokenOf(token, stream);
    streams.put({ ...stream.record, credentials: [{ clientId: generateClientCredentials().clientId }] });
    // Act
    const response = await token(formRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toBe('invalid_grant');
  });

  it('refuses a refresh token whose claims name another stream than its credential', async () => {
    // Prepare
    const { streams, tokens, token } = setup();
    const mine = givenStreamWithCredential(streams);
    const other = givenStreamWithCredential(streams, { accountId: mine.record.accountId });
    const mismatched = await tokens.issueStreamTokens(claimsOf(other.record, mine.clientId));
    // Act
    const response = await token(
      formRequest({ grant_type: 'refresh_token', refresh_token: mismatched.refreshToken }),
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toBe('invalid_grant');
  });

  it('refuses the refresh token of a stream disabled since it was issued', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const refreshToken = await refreshTokenOf(token, stream);
    streams.put({ ...stream.record, enabled: false });
    // Act
    const response = await token(formRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toBe('invalid_grant');
  });

  it('refuses the refresh token of a stream that lost its `enabled` flag', async () => {
    // Prepare
    const { streams, token } = setup();
    const stream = givenStreamWithCredential(streams);
    const refreshToken = await refreshTokenOf(token, stream);
    streams.put(withoutEnabled(stream.record));
    // Act
    const response = await token(formRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error).toBe('invalid_grant');
  });
});

describe('POST /auth/token, request errors', () => {
  it('answers 405 invalid_request with Allow: POST to any other method', async () => {
    // Prepare
    const { token } = setup();
    // Act
    const response = await token(httpApiEvent({ method: 'GET', path: '/auth/token' }));
    // Assess
    expect(response.statusCode).toBe(405);
    expect(response.headers?.allow).toBe('POST');
    expect(bodyOf(response)).toEqual({ error: 'invalid_request', error_description: 'use POST' });
  });

  it('refuses a missing grant_type with 400 invalid_request', async () => {
    // Prepare
    const { token } = setup();
    // Act
    const response = await token(formRequest({}));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description: 'grant_type is required',
    });
  });

  it('refuses an unknown grant_type with 400 unsupported_grant_type', async () => {
    // Prepare
    const { token } = setup();
    // Act
    const response = await token(formRequest({ grant_type: 'password' }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'unsupported_grant_type',
      error_description: "grant_type must be 'client_credentials' or 'refresh_token'",
    });
  });

  it('refuses a repeated form parameter with 400 invalid_request', async () => {
    // Prepare
    const { token } = setup();
    const event = rawRequest('grant_type=client_credentials&grant_type=refresh_token', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    // Act
    const response = await token(event);
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description: 'grant_type must not be repeated',
    });
  });

  it('refuses malformed JSON with 400 invalid_request', async () => {
    // Prepare
    const { token } = setup();
    // Act
    const response = await token(rawRequest('{"grant_type":', { 'content-type': 'application/json' }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description: 'request body must be valid JSON or application/x-www-form-urlencoded',
    });
  });

  it('refuses a JSON body that is not an object with 400 invalid_request', async () => {
    // Prepare
    const { token } = setup();
    // Act
    const response = await token(
      rawRequest('["client_credentials"]', { 'content-type': 'application/json' }),
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description: 'request body must be a JSON object',
    });
  });

  it('refuses a JSON parameter that is not a string with 400 invalid_request', async () => {
    // Prepare
    const { token } = setup();
    const body = JSON.stringify({ grant_type: 'client_credentials', client_id: 42 });
    // Act
    const response = await token(rawRequest(body, { 'content-type': 'application/json' }));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description: 'client_id must be a string',
    });
  });

  it('refuses a body over 16 KiB with 400 invalid_request', async () => {
    // Prepare
    const { token } = setup();
    const event = formRequest({ grant_type: 'client_credentials', padding: 'x'.repeat(16 * 1024) });
    // Act
    const response = await token(event);
    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'invalid_request',
      error_description: 'request body is too large',
    });
  });

  it('answers an unexpected failure with 500 server_error, logging only the error name', async () => {
    // Prepare
    const { streams, logs, token } = setup();
    const stream = givenStreamWithCredential(streams);
    jest
      .spyOn(streams, 'getCredential')
      .mockRejectedValue(new TypeError(`table broke near ${stream.clientSecret}`));
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({ error: 'server_error', error_description: 'internal error' });
    expect(logs.lines()).toContainEqual(['token request failed', { errorName: 'TypeError' }]);
    expect(logs.text()).not.toContain(stream.clientSecret);
  });

  it('answers 500 server_error when the token service cannot be built', async () => {
    // Prepare
    const failing: () => Promise<TokenService> = async () => {
      throw Object.assign(new Error('role arn:aws:iam::1:role/x may not decrypt'), {
        name: 'AccessDeniedException',
      });
    };
    const { streams, logs, token } = setup({ tokens: failing });
    const stream = givenStreamWithCredential(streams);
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response).error).toBe('server_error');
    expect(logs.text()).toContain('AccessDeniedException');
    expect(logs.text()).not.toContain('arn:aws:iam');
  });

  it('logs a rejected request by its OAuth2 error code only', async () => {
    // Prepare
    const { streams, logs, token } = setup();
    const { clientId } = givenStreamWithCredential(streams);
    // Act
    await token(clientCredentials({ clientId, clientSecret: 'wrong-secret-value' }));
    // Assess
    expect(logs.lines()).toEqual([['token request rejected', { error: 'invalid_client' }]]);
  });
});

describe('POST /auth/token for the original drivers', () => {
  it('answers expires_at: the absolute expiry in epoch seconds the Node driver schedules its refresh from', async () => {
    // Prepare
    const now = Date.parse('2025-06-01T10:00:00.250Z');
    const { streams, token } = setup({ now: () => now });
    const stream = givenStreamWithCredential(streams);
    // Act
    const body = bodyOf(await token(clientCredentials(stream)));
    // Assess
    expect(body.expires_at).toBe(Math.floor(now / 1000) + 900);
  });

  it("puts the account's billing id into the tokens, creating it for an account that has none", async () => {
    // Prepare
    const { streams, tokens, billingIds, token } = setup();
    const stream = givenStreamWithCredential(streams);
    // Act
    const body = bodyOf(await token(clientCredentials(stream)));
    // Assess
    const billingId = await billingIds.find(stream.record.accountId);
    expect(billingId).toMatch(/^[a-z]+\d{10}$/);
    await expect(tokens.verifyStreamToken(body.access_token)).resolves.toMatchObject({ billingId });
  });

  it('keeps the billing id an account already has', async () => {
    // Prepare
    const { streams, tokens, billingIds, token } = setup();
    const stream = givenStreamWithCredential(streams);
    billingIds.set(stream.record.accountId, 'demo4678984730');
    // Act
    const body = bodyOf(await token(clientCredentials(stream)));
    // Assess
    await expect(tokens.verifyStreamToken(body.access_token)).resolves.toMatchObject({
      billingId: 'demo4678984730',
    });
  });

  it('answers 429 with Retry-After once a client is over its token rate, before reading any table', async () => {
    // Prepare
    const { streams, token } = setup({ rateLimit: new RateLimiter({ burst: 2, perSecond: 0.5 }) });
    const stream = givenStreamWithCredential(streams);
    await token(clientCredentials(stream));
    await token(clientCredentials(stream));
    const reads = streams.calls.getCredential;
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({ 'retry-after': '2' });
    expect(bodyOf(response)).toEqual({
      error: 'too_many_requests',
      error_description: 'too many token requests for this client; retry later',
    });
    expect(streams.calls.getCredential).toBe(reads);
  });

  it('limits refresh grants of the same client as well', async () => {
    // Prepare
    const { streams, token } = setup({ rateLimit: new RateLimiter({ burst: 1, perSecond: 0.01 }) });
    const stream = givenStreamWithCredential(streams);
    const refreshToken = await refreshTokenOf(token, stream);
    // Act
    const response = await token(formRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    // Assess
    expect(response.statusCode).toBe(429);
  });

  it('does not limit one client for another', async () => {
    // Prepare
    const { streams, token } = setup({ rateLimit: new RateLimiter({ burst: 1, perSecond: 0.01 }) });
    const first = givenStreamWithCredential(streams);
    const second = givenStreamWithCredential(streams);
    await token(clientCredentials(first));
    // Act
    const response = await token(clientCredentials(second));
    // Assess
    expect(response.statusCode).toBe(200);
  });
});

describe('token rate limit and other people’s guesses', () => {
  it('a stranger sending wrong secrets for a client id cannot keep its owner at 429', async () => {
    // Prepare
    const { streams, token } = setup({ rateLimit: new RateLimiter({ burst: 3, perSecond: 0.01 }) });
    const stream = givenStreamWithCredential(streams);
    const guess = { clientId: stream.clientId, clientSecret: generateClientCredentials().clientSecret };
    const refused: (number | undefined)[] = [];
    for (let i = 0; i < 10; i++) refused.push((await token(clientCredentials(guess))).statusCode);
    // Act
    const owner = await token(clientCredentials(stream));
    // Assess
    expect(refused.slice(0, 3)).toEqual([401, 401, 401]);
    expect(refused.slice(3)).toEqual(Array(7).fill(429));
    expect(owner.statusCode).toBe(200);
  });

  it('a stranger sending wrong secrets cannot spend the refreshes of the owner either', async () => {
    // Prepare
    const { streams, token } = setup({ rateLimit: new RateLimiter({ burst: 2, perSecond: 0.01 }) });
    const stream = givenStreamWithCredential(streams);
    const refreshToken = await refreshTokenOf(token, stream);
    const guess = { clientId: stream.clientId, clientSecret: generateClientCredentials().clientSecret };
    for (let i = 0; i < 5; i++) await token(clientCredentials(guess));
    // Act
    const refresh = await token(formRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    // Assess
    expect(refresh.statusCode).toBe(200);
  });

  it('still limits the owner asking in a loop with its right secret, before reading any table', async () => {
    // Prepare
    const { streams, token } = setup({ rateLimit: new RateLimiter({ burst: 2, perSecond: 0.01 }) });
    const stream = givenStreamWithCredential(streams);
    await token(clientCredentials(stream));
    await token(clientCredentials(stream));
    const reads = streams.calls.getCredential;
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(response.statusCode).toBe(429);
    expect(streams.calls.getCredential).toBe(reads);
  });
});

describe('token failures per client id (a flood of random secrets)', () => {
  const randomGuess = (clientId: string) => ({
    clientId,
    clientSecret: generateClientCredentials().clientSecret,
  });

  it('refuses with 429 and reads no credential once a client id has seen its burst of failures', async () => {
    // Prepare
    const { streams, token } = setup({ failureLimit: new RateLimiter({ burst: 3, perSecond: 0.01 }) });
    const stream = givenStreamWithCredential(streams);
    const statuses: (number | undefined)[] = [];
    // Act
    for (let i = 0; i < 6; i++)
      statuses.push((await token(clientCredentials(randomGuess(stream.clientId)))).statusCode);
    // Assess
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    expect(streams.calls.getCredential).toBe(3);
  });

  it('counts failures of one client id only against that client id', async () => {
    // Prepare
    const { streams, token } = setup({ failureLimit: new RateLimiter({ burst: 2, perSecond: 0.01 }) });
    const flooded = givenStreamWithCredential(streams);
    const other = givenStreamWithCredential(streams, { name: 'other' });
    for (let i = 0; i < 4; i++) await token(clientCredentials(randomGuess(flooded.clientId)));
    // Act
    const response = await token(clientCredentials(other));
    // Assess
    expect(response.statusCode).toBe(200);
  });

  it('does not spend the failure bucket on a successful issuance', async () => {
    // Prepare
    const { streams, token } = setup({ failureLimit: new RateLimiter({ burst: 1, perSecond: 0.01 }) });
    const stream = givenStreamWithCredential(streams);
    const statuses: (number | undefined)[] = [];
    // Act
    for (let i = 0; i < 3; i++) statuses.push((await token(clientCredentials(stream))).statusCode);
    // Assess
    expect(statuses).toEqual([200, 200, 200]);
  });

  it('lets the right secret through again as soon as the failures fall below the refill', async () => {
    // Prepare
    let now = 1_700_000_000_000;
    const failureLimit = new RateLimiter({ burst: 2, perSecond: 1, now: () => now });
    const { streams, token } = setup({ failureLimit });
    const stream = givenStreamWithCredential(streams);
    for (let i = 0; i < 3; i++) await token(clientCredentials(randomGuess(stream.clientId)));
    const held = await token(clientCredentials(stream));
    now += 1_000;
    // Act
    const response = await token(clientCredentials(stream));
    // Assess
    expect(held.statusCode).toBe(429);
    expect(response.statusCode).toBe(200);
  });

  it("keeps the owner's refresh grant working during a flood of wrong secrets", async () => {
    // Prepare
    const { streams, token } = setup({ failureLimit: new RateLimiter({ burst: 2, perSecond: 0.01 }) });
    const stream = givenStreamWithCredential(streams);
    const refreshToken = await refreshTokenOf(token, stream);
    for (let i = 0; i < 5; i++) await token(clientCredentials(randomGuess(stream.clientId)));
    // Act
    const refresh = await token(formRequest({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    // Assess
    expect(refresh.statusCode).toBe(200);
  });
});
