import { hashPassword } from '../../../lambdas/core/passwords';
import { streamReaderId } from '../../../lambdas/core/stream-status';
import {
  type ManagementRequest,
  managementApi,
  managementRequest,
  responseBody,
} from '../../support/management-api';
import { streamRecord } from '../../support/stream-records';

/**
 * A signed-in user's console connections (read tokens, stored under the session's reader id) end with the
 * session: logout, password change, a detected refresh-token reuse and the user's removal from the
 * account close them (DeleteConnection) and delete their records; other sessions' and stream clients'
 * connections stay. Through createManagementHandler with in-memory fakes.
 */
type Api = ReturnType<typeof managementApi>;

const ACCOUNT = 'acc-1';
const ANN = 'ann@example.com';
const BOB = 'bob@example.com';
const PASSWORD = 'ann password long';
const STREAM = streamRecord({ accountId: ACCOUNT, name: 'winston', createdAt: '2024-12-01T00:00:00.000Z' });
const DERIVED = streamRecord({
  accountId: ACCOUNT,
  name: 'winston-0',
  linkedStream: 'winston',
  consentLevels: [0],
  createdAt: '2024-12-02T00:00:00.000Z',
});

const call = (api: Api, request: ManagementRequest) => api.handler(managementRequest(request));

/** The management API with two streams and two users of one account, both stored. */
async function setup() {
  const api = managementApi();
  api.streams.put(STREAM);
  api.streams.put(DERIVED);
  for (const email of [ANN, BOB]) {
    api.accounts.put(
      {
        accountId: ACCOUNT,
        email,
        passwordHash: await hashPassword(PASSWORD),
        createdAt: '2024-12-01T00:00:00.000Z',
      },
      true,
    );
  }
  return api;
}

/** A session of a user (as login leaves it) and its session id. */
async function sessionOf(api: Api, email: string) {
  const tokens = await api.userSession(ACCOUNT, email);
  const sessions = api.sessions.of(email);
  return { ...tokens, sessionId: sessions[sessions.length - 1]!.sessionId };
}

/** A stored console connection of a session to a stream (as $connect stores it after the authorizer). */
async function readerConnection(api: Api, connectionId: string, stream: typeof STREAM, sessionId: string) {
  await api.connections.put({
    connectionId,
    accountId: ACCOUNT,
    streamName: stream.name,
    clientId: streamReaderId(stream, sessionId),
  });
}

const remaining = (api: Api) => [...api.connections.connections.keys()].sort();

describe('ending a session ends its console connections', () => {
  it('logout closes and deletes the connections of that session only', async () => {
    // Prepare
    const api = await setup();
    const mine = await sessionOf(api, ANN);
    const other = await sessionOf(api, ANN);
    await readerConnection(api, 'mine-source', STREAM, mine.sessionId);
    await readerConnection(api, 'mine-derived', DERIVED, mine.sessionId);
    await readerConnection(api, 'other', STREAM, other.sessionId);
    await api.connections.put({
      connectionId: 'client',
      accountId: ACCOUNT,
      streamName: STREAM.name,
      clientId: STREAM.credentials[0]!.clientId,
    });
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/auth/logout',
      body: { refreshToken: mine.refreshToken },
    });
    // Assess
    expect(res.statusCode).toBe(204);
    expect([...api.sockets.disconnected].sort()).toEqual(['mine-derived', 'mine-source']);
    expect(remaining(api)).toEqual(['client', 'other']);
    expect(api.log.attributesOf('signed out')).toEqual([{ accountId: ACCOUNT, connectionsEnded: 2 }]);
  });

  it('a password change closes the connections of every session of the user, not another user’s', async () => {
    // Prepare
    const api = await setup();
    const first = await sessionOf(api, ANN);
    const second = await sessionOf(api, ANN);
    const bob = await sessionOf(api, BOB);
    await readerConnection(api, 'first', STREAM, first.sessionId);
    await readerConnection(api, 'second', DERIVED, second.sessionId);
    await readerConnection(api, 'bob', STREAM, bob.sessionId);
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/auth/password',
      token: first.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'a different long passphrase' },
    });
    // Assess
    expect(res.statusCode).toBe(204);
    expect([...api.sockets.disconnected].sort()).toEqual(['first', 'second']);
    expect(remaining(api)).toEqual(['bob']);
  });

  it('removing a user closes that user’s connections', async () => {
    // Prepare
    const api = await setup();
    const ann = await sessionOf(api, ANN);
    const bob = await sessionOf(api, BOB);
    await readerConnection(api, 'ann', STREAM, ann.sessionId);
    await readerConnection(api, 'bob', DERIVED, bob.sessionId);
    // Act
    const res = await call(api, { method: 'DELETE', path: `/v1/users/${BOB}`, token: ann.accessToken });
    // Assess
    expect(res.statusCode).toBe(204);
    expect(api.sockets.disconnected).toEqual(['bob']);
    expect(remaining(api)).toEqual(['ann']);
    expect(api.log.attributesOf('user removed')).toEqual([
      { accountId: ACCOUNT, sessionsRevoked: 1, connectionsEnded: 1 },
    ]);
  });

  it('a reused refresh token closes the connections of the session it revokes', async () => {
    // Prepare
    const api = await setup();
    const session = await sessionOf(api, ANN);
    await readerConnection(api, 'ann', STREAM, session.sessionId);
    const refreshed = await call(api, {
      method: 'POST',
      path: '/v1/auth/refresh',
      body: { refreshToken: session.refreshToken },
    });
    // Act
    const reuse = await call(api, {
      method: 'POST',
      path: '/v1/auth/refresh',
      body: { refreshToken: session.refreshToken },
    });
    // Assess
    expect(refreshed.statusCode).toBe(200);
    expect(responseBody(reuse).error.code).toBe('invalid_token');
    expect(api.sockets.disconnected).toEqual(['ann']);
    expect(remaining(api)).toEqual([]);
  });
});
