import { AccountContracts } from '../../../lambdas/aws/account-contracts';
import { AccountSchemas } from '../../../lambdas/aws/account-schemas';
import { KeyLinkResolver } from '../../../lambdas/core/key-links';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import { streamReaderId } from '../../../lambdas/core/stream-status';
import { createIngestHandler } from '../../../lambdas/handlers/ingest';
import { createTokenHandler } from '../../../lambdas/handlers/token';
import { createWsAuthorizerHandler } from '../../../lambdas/handlers/ws-authorizer';
import { ingestRequest } from '../../support/data-path-events';
import { clickstreamEvent, eventBody } from '../../support/factories';
import { InMemoryContractsRepo } from '../../support/fakes/in-memory-contracts-repo';
import {
  InMemoryKeyEncryptionKeys,
  InMemoryKeyLinkStore,
} from '../../support/fakes/in-memory-key-link-store';
import { RecordingEventPublisher } from '../../support/fakes/recording-event-publisher';
import { httpApiEvent } from '../../support/http-api-event';
import { MANAGEMENT_NOW, managementApi, managementRequest, responseBody } from '../../support/management-api';
import { recordingLogger } from '../../support/recording-logger';
import { streamRecord } from '../../support/stream-records';
import { testTokenService } from '../../support/token-service';
import { connectAuthorizerEvent } from '../../support/websocket-events';

/**
 * `POST /v1/streams/{name}/read-token`: the console's read-only stream token, through the management
 * handler, and what the other entry points (authorizer, ingest, token endpoint) make of it.
 */

const ACCOUNT = 'account-1';

function winston(overrides: Partial<StreamRecord> = {}): StreamRecord {
  return streamRecord({
    name: 'winston',
    accountId: ACCOUNT,
    createdAt: '2024-12-01T00:00:00.000Z',
    credentials: [{ clientId: 'ps-00000000000000000000000000000001' }],
    ...overrides,
  });
}

/** The management API and the authorizer, ingest and token handlers over one streams table and signing key. */
function setup() {
  const api = managementApi();
  const authorize = createWsAuthorizerHandler({
    streams: api.streams,
    sessions: api.sessions,
    tokens: async () => api.tokens,
    logger: recordingLogger('ws-authorizer').logger,
  });
  const publisher = new RecordingEventPublisher();
  const keyLinks = new KeyLinkResolver({
    store: new InMemoryKeyLinkStore(),
    keks: new InMemoryKeyEncryptionKeys(),
    lookupSecret: api.lookupSecret,
  });
  const ingest = createIngestHandler({
    tokens: api.tokens,
    streams: api.streams,
    contracts: new AccountContracts({ source: new InMemoryContractsRepo() }),
    schemas: new AccountSchemas({ source: api.schemas }),
    keyLinks,
    lookupSecret: api.lookupSecret,
    publisher,
    logger: recordingLogger('ingest').logger,
  });
  const token = createTokenHandler({
    streams: api.streams,
    billingIds: api.billingIds,
    tokens: async () => api.tokens,
    logger: recordingLogger('token').logger,
  });
  return { api, authorize, ingest, publisher, token };
}

async function readToken(env: ReturnType<typeof setup>, name: string, accountId = ACCOUNT) {
  const token = await env.api.userToken(accountId);
  return readTokenWith(env, name, token);
}

/** `POST /v1/streams/{name}/read-token` with a given user access token. */
function readTokenWith(env: ReturnType<typeof setup>, name: string, token: string) {
  return env.api.handler(
    managementRequest({ method: 'POST', path: `/v1/streams/${name}/read-token`, token }),
  );
}

/** The id of the newest session of a user (the management API under test numbers them). */
function newestSessionOf(env: ReturnType<typeof setup>, email = `${ACCOUNT}@example.com`): string {
  const sessions = env.api.sessions.of(email);
  return sessions[sessions.length - 1]!.sessionId;
}

const effectOf = (result: { policyDocument: { Statement: { Effect: string }[] } }) =>
  result.policyDocument.Statement[0]?.Effect;

describe('POST /v1/streams/{name}/read-token', () => {
  it("gives a signed-in user a 5-minute token for one of the account's streams", async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    // Act
    const response = await readToken(env, 'winston');
    // Assess
    expect(response.statusCode).toBe(200);
    const body = responseBody(response);
    expect(body).toEqual({
      accessToken: expect.any(String),
      expiresAt: Math.floor(MANAGEMENT_NOW / 1000) + 300,
      stream: 'winston',
    });
    expect(env.api.log.attributesOf('read token issued')).toEqual([
      { accountId: ACCOUNT, stream: 'winston' },
    ]);
    expect(env.api.log.text()).not.toContain(body.accessToken);
  });

  it('answers 401 without a user session', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    // Act
    const response = await env.api.handler(
      managementRequest({ method: 'POST', path: '/v1/streams/winston/read-token' }),
    );
    // Assess
    expect(response.statusCode).toBe(401);
  });

  it('answers 404 for another account stream, exactly as for a missing one', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    // Act
    const other = await readToken(env, 'winston', 'account-2');
    const missing = await readToken(env, 'nobody-here');
    // Assess
    expect(other.statusCode).toBe(404);
    expect(responseBody(other).error.code).toBe('not_found');
    expect(missing.statusCode).toBe(404);
  });

  it('answers 403 for a disabled stream', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston({ enabled: false }));
    // Act
    const response = await readToken(env, 'winston');
    // Assess
    expect(response.statusCode).toBe(403);
    expect(responseBody(response).error.code).toBe('stream_disabled');
  });
});

describe('a read token', () => {
  it('opens a WebSocket subscription to its stream, stored under the reader id of the user session', async () => {
    // Prepare
    const env = setup();
    const stream = winston();
    env.api.streams.put(stream);
    const { accessToken } = responseBody(await readToken(env, 'winston'));
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(effectOf(result)).toBe('Allow');
    expect(result.context).toEqual({
      accountId: ACCOUNT,
      stream: 'winston',
      clientId: streamReaderId(stream, newestSessionOf(env)),
      email: `${ACCOUNT}@example.com`,
    });
  });

  it('gives each sign-in session connections of its own (its own cap, its own end)', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    const ann = responseBody(await readToken(env, 'winston', ACCOUNT)).accessToken;
    const bob = responseBody(
      await readTokenWith(env, 'winston', await env.api.userToken(ACCOUNT, 'bob@example.com')),
    ).accessToken;
    // Act
    const annResult = await env.authorize(connectAuthorizerEvent({ query: { token: ann } }));
    const bobResult = await env.authorize(connectAuthorizerEvent({ query: { token: bob } }));
    // Assess
    expect(effectOf(annResult)).toBe('Allow');
    expect(effectOf(bobResult)).toBe('Allow');
    expect(annResult.context?.clientId).not.toBe(bobResult.context?.clientId);
  });

  it('is refused by the authorizer once its session has ended (logout)', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    const session = await env.api.userSession(ACCOUNT);
    const { accessToken } = responseBody(await readTokenWith(env, 'winston', session.accessToken));
    await env.api.handler(
      managementRequest({
        method: 'POST',
        path: '/v1/auth/logout',
        body: { refreshToken: session.refreshToken },
      }),
    );
    const logs = recordingLogger('ws-authorizer');
    const authorize = createWsAuthorizerHandler({
      streams: env.api.streams,
      sessions: env.api.sessions,
      tokens: async () => env.api.tokens,
      logger: logs.logger,
    });
    // Act
    const result = await authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(effectOf(result)).toBe('Deny');
    expect(logs.lines()).toContainEqual(['connection denied', { reason: 'session_ended' }]);
  });

  it('opens a subscription to a derived stream too', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    env.api.streams.put(winston({ name: 'winston-0', linkedStream: 'winston', consentLevels: [0] }));
    const { accessToken } = responseBody(await readToken(env, 'winston-0'));
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(effectOf(result)).toBe('Allow');
    expect(result.context?.stream).toBe('winston-0');
  });

  it('cannot ingest: POST /event answers 401 and publishes nothing', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    const { accessToken } = responseBody(await readToken(env, 'winston'));
    // Act
    const response = await env.ingest(
      ingestRequest(eventBody(clickstreamEvent()), { authorization: `Bearer ${accessToken}` }),
    );
    // Assess
    expect(response.statusCode).toBe(401);
    expect(env.publisher.records).toEqual([]);
  });

  it('(control) where the stream client token of the same stream ingests through the same handler', async () => {
    // Prepare
    const env = setup();
    const stream = winston();
    env.api.streams.put(stream);
    const { accessToken } = await env.api.tokens.issueStreamTokens({
      clientId: stream.credentials[0]!.clientId,
      accountId: ACCOUNT,
      stream: 'winston',
      derived: false,
    });
    // Act
    const response = await env.ingest(
      ingestRequest(eventBody(clickstreamEvent()), { authorization: `Bearer ${accessToken}` }),
    );
    // Assess
    expect(response.statusCode).toBe(204);
    expect(env.publisher.records).toHaveLength(1);
  });

  it('cannot be exchanged at the token endpoint', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    const { accessToken } = responseBody(await readToken(env, 'winston'));
    const request = httpApiEvent({
      method: 'POST',
      path: '/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: accessToken }).toString(),
    });
    // Act
    const response = await env.token(request);
    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '{}').error).toBe('invalid_grant');
  });

  it('is not a user session: management calls with it answer 401', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    const { accessToken } = responseBody(await readToken(env, 'winston'));
    // Act
    const response = await env.api.handler(
      managementRequest({ method: 'GET', path: '/v1/streams', token: accessToken }),
    );
    // Assess
    expect(response.statusCode).toBe(401);
  });

  it('is refused by the authorizer once it has expired', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    const sixMinutesAgo = Date.now() - 6 * 60 * 1000;
    await env.api.userSession(ACCOUNT);
    const expired = await testTokenService({ now: () => sixMinutesAgo }).issueStreamReadToken({
      accountId: ACCOUNT,
      stream: 'winston',
      streamCreatedAt: winston().createdAt,
      email: `${ACCOUNT}@example.com`,
      sessionId: newestSessionOf(env),
    });
    const logs = recordingLogger('ws-authorizer');
    const authorize = createWsAuthorizerHandler({
      streams: env.api.streams,
      sessions: env.api.sessions,
      tokens: async () => env.api.tokens,
      logger: logs.logger,
    });
    // Act
    const result = await authorize(connectAuthorizerEvent({ query: { token: expired.accessToken } }));
    // Assess
    expect(effectOf(result)).toBe('Deny');
    expect(logs.lines()).toContainEqual(['connection denied', { reason: 'token_expired' }]);
  });

  it('reads nothing of a stream deleted and created again under the same name', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    const { accessToken } = responseBody(await readToken(env, 'winston'));
    await env.api.streams.delete(ACCOUNT, 'winston');
    env.api.streams.put(winston({ createdAt: '2025-01-01T11:00:00.000Z' }));
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(effectOf(result)).toBe('Deny');
  });

  it('reads nothing once its stream is disabled', async () => {
    // Prepare
    const env = setup();
    env.api.streams.put(winston());
    const { accessToken } = responseBody(await readToken(env, 'winston'));
    env.api.streams.put(winston({ enabled: false }));
    // Act
    const result = await env.authorize(connectAuthorizerEvent({ query: { token: accessToken } }));
    // Assess
    expect(effectOf(result)).toBe('Deny');
  });
});
