import { verifyClientSecret } from '../../../lambdas/core/client-secrets';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import {
  type ManagementRequest,
  managementApi,
  managementRequest,
  responseBody,
} from '../../support/management-api';
import { streamRecord } from '../../support/stream-records';

/**
 * Stream credentials through createManagementHandler with in-memory fakes: `POST
 * /v1/streams/{name}/credentials` adds one (secret shown once, stored hashed), `DELETE
 * /v1/streams/{name}/credentials/{clientId}` takes one away and ends its WebSocket subscribers.
 */
type Api = ReturnType<typeof managementApi>;

const call = (api: Api, request: ManagementRequest) => api.handler(managementRequest(request));
const ACCOUNT = 'acct-1';

function givenStream(api: Api, name = 'winston', accountId = ACCOUNT): StreamRecord {
  const record = streamRecord({ name, accountId, credentials: [{ clientId: `client-of-${name}` }] });
  api.streams.put(record, 'stored-hash');
  return record;
}

describe('creating a credential', () => {
  it('answers 201 with the stream listing the new client id and the secret, stored only as its hash', async () => {
    // Prepare
    const api = managementApi();
    givenStream(api);
    // Act
    const result = await call(api, {
      method: 'POST',
      path: '/v1/streams/winston/credentials',
      token: await api.userToken(ACCOUNT),
    });
    // Assess
    expect(result.statusCode).toBe(201);
    const { stream, credentials } = responseBody(result);
    expect(stream.credentials).toEqual([
      { clientId: 'client-of-winston' },
      { clientId: credentials.clientId },
    ]);
    const stored = api.streams.credentials.get(credentials.clientId)!;
    expect(stored).toMatchObject({ accountId: ACCOUNT, streamName: 'winston' });
    expect(stored.secretHash).not.toContain(credentials.clientSecret);
    expect(verifyClientSecret(credentials.clientSecret, stored.secretHash)).toBe(true);
  });

  it('logs the new client id but never the secret', async () => {
    // Prepare
    const api = managementApi();
    givenStream(api);
    // Act
    const result = await call(api, {
      method: 'POST',
      path: '/v1/streams/winston/credentials',
      token: await api.userToken(ACCOUNT),
    });
    // Assess
    const { credentials } = responseBody(result);
    expect(api.log.attributesOf('credential created')).toEqual([
      { accountId: ACCOUNT, stream: 'winston', clientId: credentials.clientId },
    ]);
    expect(api.log.text()).not.toContain(credentials.clientSecret);
  });

  it("answers 404 for another account's stream and adds nothing", async () => {
    // Prepare
    const api = managementApi();
    givenStream(api, 'winston', 'acct-2');
    // Act
    const result = await call(api, {
      method: 'POST',
      path: '/v1/streams/winston/credentials',
      token: await api.userToken(ACCOUNT),
    });
    // Assess
    expect(result.statusCode).toBe(404);
    expect(api.streams.credentials.size).toBe(1);
  });
});

describe('deleting a credential', () => {
  it('answers 204, removes the client id from the stream and deletes its stored secret', async () => {
    // Prepare
    const api = managementApi();
    givenStream(api);
    // Act
    const result = await call(api, {
      method: 'DELETE',
      path: '/v1/streams/winston/credentials/client-of-winston',
      token: await api.userToken(ACCOUNT),
    });
    // Assess
    expect(result.statusCode).toBe(204);
    expect((await api.streams.get(ACCOUNT, 'winston'))!.credentials).toEqual([]);
    expect(api.streams.credentials.has('client-of-winston')).toBe(false);
  });

  it("ends that client's WebSocket subscribers (closed and deleted) and leaves the other clients' alone", async () => {
    // Prepare
    const api = managementApi();
    givenStream(api);
    const subscribe = (connectionId: string, clientId: string) =>
      api.connections.put({ connectionId, accountId: ACCOUNT, streamName: 'winston', clientId });
    await subscribe('conn-revoked', 'client-of-winston');
    await subscribe('conn-other', 'ps-other-client');
    // Act
    await call(api, {
      method: 'DELETE',
      path: '/v1/streams/winston/credentials/client-of-winston',
      token: await api.userToken(ACCOUNT),
    });
    // Assess
    expect(api.sockets.disconnected).toEqual(['conn-revoked']);
    expect([...api.connections.connections.keys()]).toEqual(['conn-other']);
    expect(api.log.attributesOf('credential deleted')).toEqual([
      { accountId: ACCOUNT, stream: 'winston', clientId: 'client-of-winston', connectionsEnded: 1 },
    ]);
  });

  it('answers 404 for a client id the stream does not have', async () => {
    // Prepare
    const api = managementApi();
    givenStream(api);
    givenStream(api, 'other');
    // Act
    const result = await call(api, {
      method: 'DELETE',
      path: '/v1/streams/winston/credentials/client-of-other',
      token: await api.userToken(ACCOUNT),
    });
    // Assess
    expect(result.statusCode).toBe(404);
    expect(api.streams.credentials.has('client-of-other')).toBe(true);
  });

  it("answers 404 for another account's stream and removes nothing", async () => {
    // Prepare
    const api = managementApi();
    givenStream(api, 'winston', 'acct-2');
    // Act
    const result = await call(api, {
      method: 'DELETE',
      path: '/v1/streams/winston/credentials/client-of-winston',
      token: await api.userToken(ACCOUNT),
    });
    // Assess
    expect(result.statusCode).toBe(404);
    expect((await api.streams.get('acct-2', 'winston'))!.credentials).toHaveLength(1);
  });
});

describe('deleting a stream', () => {
  it('ends the WebSocket subscribers of the stream and of its derived streams', async () => {
    // Prepare
    const api = managementApi();
    givenStream(api);
    api.streams.put(
      streamRecord({ name: 'winston-0', accountId: ACCOUNT, linkedStream: 'winston', consentLevels: [0] }),
    );
    await api.connections.put({
      connectionId: 'c1',
      accountId: ACCOUNT,
      streamName: 'winston',
      clientId: 'a',
    });
    await api.connections.put({
      connectionId: 'c2',
      accountId: ACCOUNT,
      streamName: 'winston-0',
      clientId: 'b',
    });
    // Act
    const result = await call(api, {
      method: 'DELETE',
      path: '/v1/streams/winston',
      query: { recursive: 'true' },
      token: await api.userToken(ACCOUNT),
    });
    // Assess
    expect(result.statusCode).toBe(200);
    expect(api.sockets.disconnected.sort()).toEqual(['c1', 'c2']);
    expect(api.connections.connections.size).toBe(0);
  });
});
