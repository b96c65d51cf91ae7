import { createWsConnectHandler } from '../../../lambdas/handlers/ws-connect';
import { InMemoryConnectionsRepo } from '../../support/fakes/in-memory-connections-repo';
import { recordingLogger } from '../../support/recording-logger';
import { connectRouteEvent, disconnectRouteEvent } from '../../support/websocket-events';

/** The `$connect` / `$disconnect` routes through their factory, with the in-memory connections table. */
function setup() {
  const now = 1_700_000_000_000;
  const connections = new InMemoryConnectionsRepo({ now: () => now });
  const logs = recordingLogger('ws-connect');
  const route = createWsConnectHandler({ connections, logger: logs.logger });
  return { now, connections, logs, route };
}

const SUBSCRIBER = { accountId: 'acc-1', stream: 'demo', clientId: 'ps-client' };

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
});
