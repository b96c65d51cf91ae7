import type { UserSessionRecord } from '../../../lambdas/aws/user-sessions-repo';
import { streamReaderId } from '../../../lambdas/core/stream-status';
import { createWsConnectHandler } from '../../../lambdas/handlers/ws-connect';
import { InMemoryConnectionsRepo } from '../../support/fakes/in-memory-connections-repo';
import { InMemorySessionsRepo } from '../../support/fakes/in-memory-sessions-repo';
import { recordingLogger } from '../../support/recording-logger';
import { connectRouteEvent, disconnectRouteEvent } from '../../support/websocket-events';

/** The `$connect` / `$disconnect` routes through their factory, with the in-memory connections table. */
function setup() {
  const now = 1_700_000_000_000;
  const connections = new InMemoryConnectionsRepo({ now: () => now });
  const sessions = new InMemorySessionsRepo({ now: () => now });
  const logs = recordingLogger('ws-connect');
  const route = createWsConnectHandler({ connections, sessions, logger: logs.logger });
  return { now, connections, sessions, logs, route };
}

const SUBSCRIBER = { accountId: 'acc-1', stream: 'demo', clientId: 'ps-client' };

/** A live sign-in session of ann@example.com in acc-1. */
function annSession(now: number, overrides: Partial<UserSessionRecord> = {}): UserSessionRecord {
  return {
    sessionId: 'session-1',
    accountId: 'acc-1',
    email: 'ann@example.com',
    refreshTokenId: 'refresh-1',
    createdAt: now,
    expiresAt: Math.floor(now / 1000) + 60 * 60,
    ...overrides,
  };
}

/** The authorizer context of ann's console reader (a read token) of session-1. */
const READER = {
  accountId: 'acc-1',
  stream: 'demo',
  clientId: streamReaderId({ createdAt: '2024-12-01T00:00:00.000Z' }, 'session-1'),
  email: 'ann@example.com',
};

describe('WebSocket $connect and $disconnect routes', () => {
  it('stores the subscriber of the stream its authorizer context names on $connect', async () => {
    // Prepare
    const { now, connections, route } = setup();
    // Act
    const result = await route(connectRouteEvent('conn-1', SUBSCRIBER));
    // Assess
    expect(result).toEqual({ statusCode: 200 });
    expect(await connections.listByStream('acc-1', 'demo')).toEqual([
      {
        connectionId: 'conn-1',
        accountId: 'acc-1',
        streamName: 'demo',
        clientId: 'ps-client',
        connectedAt: now,
        expiresAt: Math.floor(now / 1000) + 2 * 60 * 60,
      },
    ]);
  });

  it('deletes the connection on $disconnect', async () => {
    // Prepare
    const { connections, route } = setup();
    await route(connectRouteEvent('conn-1', SUBSCRIBER));
    await route(connectRouteEvent('conn-2', SUBSCRIBER));
    // Act
    const result = await route(disconnectRouteEvent('conn-1'));
    // Assess
    expect(result).toEqual({ statusCode: 200 });
    expect((await connections.listByStream('acc-1', 'demo')).map((c) => c.connectionId)).toEqual(['conn-2']);
  });

  it.each([
    ['no authorizer context', null],
    ['a context without the stream', { accountId: 'acc-1', clientId: 'ps-client' }],
    ['a context with a non-string field', { ...SUBSCRIBER, accountId: 42 }],
  ])('refuses a $connect with %s (403) and stores nothing', async (_case, authorizer) => {
    // Prepare
    const { connections, route } = setup();
    // Act
    const result = await route(connectRouteEvent('conn-1', authorizer));
    // Assess
    expect(result).toEqual({ statusCode: 403 });
    expect(connections.calls.put).toBeUndefined();
  });

  it('logs a $connect without authorizer context as a misconfiguration', async () => {
    // Prepare
    const { logs, route } = setup();
    // Act
    await route(connectRouteEvent('conn-1', undefined));
    // Assess
    expect(logs.lines()).toContainEqual(['connect without authorizer context', { connectionId: 'conn-1' }]);
  });

  it.each([['MESSAGE'], [undefined]])(
    'answers 400 to an event of type %p and touches no connection',
    async (eventType) => {
      // Prepare
      const { connections, route } = setup();
      // Act
      const result = await route({ requestContext: { eventType, connectionId: 'conn-1' } });
      // Assess
      expect(result).toEqual({ statusCode: 400 });
      expect(connections.calls).toEqual({});
    },
  );

  it('fails the invocation when the connections table fails (the upgrade is refused)', async () => {
    // Prepare
    const { connections, route } = setup();
    const unavailable = Object.assign(new Error('unavailable'), { name: 'InternalServerError' });
    jest.spyOn(connections, 'put').mockRejectedValue(unavailable);
    // Act
    const result = route(connectRouteEvent('conn-1', SUBSCRIBER));
    // Assess
    await expect(result).rejects.toBe(unavailable);
  });

  it('stores a console reader whose sign-in session is still live', async () => {
    // Prepare
    const { now, connections, sessions, route } = setup();
    await sessions.create(annSession(now));
    // Act
    const result = await route(connectRouteEvent('conn-1', READER));
    // Assess
    expect(result).toEqual({ statusCode: 200 });
    expect((await connections.listByStream('acc-1', 'demo')).map((c) => c.clientId)).toEqual([
      READER.clientId,
    ]);
  });

  it('refuses (403) and deletes a console reader whose session ended after the authorizer allowed it', async () => {
    // Prepare: the authorizer allowed the read token, then the user logged out (management listed the
    // session's connections before this one was stored).
    const { now, connections, sessions, logs, route } = setup();
    await sessions.create(annSession(now));
    await sessions.revokeAll('ann@example.com');
    // Act
    const result = await route(connectRouteEvent('conn-1', READER));
    // Assess
    expect(result).toEqual({ statusCode: 403 });
    expect(await connections.listByStream('acc-1', 'demo')).toEqual([]);
    expect(logs.lines()).toContainEqual(['connection refused', { reason: 'session_ended' }]);
  });

  it('refuses (403) a console reader whose session belongs to another account', async () => {
    // Prepare
    const { now, connections, sessions, route } = setup();
    await sessions.create(annSession(now, { accountId: 'acc-2' }));
    // Act
    const result = await route(connectRouteEvent('conn-1', READER));
    // Assess
    expect(result).toEqual({ statusCode: 403 });
    expect(await connections.listByStream('acc-1', 'demo')).toEqual([]);
  });

  it('refuses (403) a console reader whose context names no user, and stores nothing', async () => {
    // Prepare
    const { now, connections, sessions, route } = setup();
    await sessions.create(annSession(now));
    const { email: _email, ...withoutEmail } = READER;
    // Act
    const result = await route(connectRouteEvent('conn-1', withoutEmail));
    // Assess
    expect(result).toEqual({ statusCode: 403 });
    expect(connections.calls.put).toBeUndefined();
  });

  it('deletes the stored reader and fails the invocation when its session cannot be read', async () => {
    // Prepare
    const { connections, sessions, route } = setup();
    const unavailable = Object.assign(new Error('unavailable'), { name: 'InternalServerError' });
    jest.spyOn(sessions, 'get').mockRejectedValue(unavailable);
    // Act
    const result = route(connectRouteEvent('conn-1', READER));
    // Assess
    await expect(result).rejects.toBe(unavailable);
    expect(await connections.listByStream('acc-1', 'demo')).toEqual([]);
  });

  it('does not read sessions for a stream client', async () => {
    // Prepare
    const { sessions, route } = setup();
    const get = jest.spyOn(sessions, 'get');
    // Act
    await route(connectRouteEvent('conn-1', SUBSCRIBER));
    // Assess
    expect(get).not.toHaveBeenCalled();
  });
});
