import { verifyClientSecret } from '../../../lambdas/core/client-secrets';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import { createTokenHandler } from '../../../lambdas/handlers/token';
import { httpApiEvent } from '../../support/http-api-event';
import {
  MANAGEMENT_NOW,
  type ManagementRequest,
  managementApi,
  managementRequest,
  responseBody,
} from '../../support/management-api';
import { recordingLogger } from '../../support/recording-logger';
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

describe('how many credentials a stream may have', () => {
  it('refuses a 21st credential with 409 too_many_credentials and adds nothing', async () => {
    // Prepare
    const api = managementApi();
    const clientIds = Array.from({ length: 20 }, (_, i) => ({ clientId: `client-${i}` }));
    api.streams.put(streamRecord({ name: 'winston', accountId: ACCOUNT, credentials: clientIds }), 'hash');
    // Act
    const result = await call(api, {
      method: 'POST',
      path: '/v1/streams/winston/credentials',
      token: await api.userToken(ACCOUNT),
    });
    // Assess
    expect(result.statusCode).toBe(409);
    expect(responseBody(result).error).toEqual({
      code: 'too_many_credentials',
      message: 'stream winston has 20 credentials, the most a stream may have; delete one first',
    });
    expect((await api.streams.get(ACCOUNT, 'winston'))?.credentials).toHaveLength(20);
    expect(api.streams.credentials.size).toBe(20);
  });

  it('does not count expired credentials, and removes them when the next one is created', async () => {
    // Prepare
    const api = managementApi();
    const expired = new Date(MANAGEMENT_NOW - 1000).toISOString();
    const clientIds = Array.from({ length: 20 }, (_, i) => ({
      clientId: `client-${i}`,
      ...(i < 2 ? { expiresAt: expired } : {}),
    }));
    api.streams.put(streamRecord({ name: 'winston', accountId: ACCOUNT, credentials: clientIds }), 'hash');
    // Act
    const result = await call(api, {
      method: 'POST',
      path: '/v1/streams/winston/credentials',
      token: await api.userToken(ACCOUNT),
    });
    // Assess
    expect(result.statusCode).toBe(201);
    const listed = (await api.streams.get(ACCOUNT, 'winston'))!.credentials.map((c) => c.clientId);
    expect(listed).toHaveLength(19);
    expect(listed).not.toContain('client-0');
    expect(listed).not.toContain('client-1');
    expect(api.streams.credentials.has('client-0')).toBe(false);
  });
});

describe('a temporary credential: {"expiresInSeconds"}', () => {
  const createTemporary = async (api: Api, body: unknown) =>
    call(api, {
      method: 'POST',
      path: '/v1/streams/winston/credentials',
      token: await api.userToken(ACCOUNT),
      body,
    });

  it('answers its expiry and keeps it on the stream', async () => {
    // Prepare
    const api = managementApi();
    givenStream(api);
    // Act
    const result = await createTemporary(api, { expiresInSeconds: 600 });
    // Assess
    expect(result.statusCode).toBe(201);
    const { stream, credentials } = responseBody(result);
    const expiresAt = new Date(MANAGEMENT_NOW + 600_000).toISOString();
    expect(credentials).toEqual({
      clientId: expect.any(String),
      clientSecret: expect.any(String),
      expiresAt,
    });
    expect(stream.credentials).toContainEqual({ clientId: credentials.clientId, expiresAt });
  });

  it('gets tokens until it expires, then none', async () => {
    // Prepare
    const clock = { now: MANAGEMENT_NOW };
    const api = managementApi();
    givenStream(api);
    const { credentials } = responseBody(await createTemporary(api, { expiresInSeconds: 600 }));
    const token = createTokenHandler({
      streams: api.streams,
      billingIds: api.billingIds,
      tokens: async () => api.tokens,
      now: () => clock.now,
      logger: recordingLogger('token').logger,
    });
    const request = () =>
      token(
        httpApiEvent({
          method: 'POST',
          path: '/auth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: credentials.clientId,
            client_secret: credentials.clientSecret,
          }).toString(),
        }),
      );
    // Act
    const before = await request();
    clock.now = MANAGEMENT_NOW + 600_000;
    const after = await request();
    // Assess
    expect(before.statusCode).toBe(200);
    expect(after.statusCode).toBe(401);
  });

  it.each([
    [{ expiresInSeconds: 0 }],
    [{ expiresInSeconds: 59 }],
    [{ expiresInSeconds: 1.5 }],
    [{ expiresInSeconds: '600' }],
    [{ expiresInSeconds: 366 * 24 * 3600 }],
    [{ expires: 600 }],
  ])('refuses %j with 400 naming the field', async (body) => {
    // Prepare
    const api = managementApi();
    givenStream(api);
    // Act
    const result = await createTemporary(api, body);
    // Assess
    expect(result.statusCode).toBe(400);
    expect(responseBody(result).error.message).toMatch(/expiresInSeconds/);
    expect((await api.streams.get(ACCOUNT, 'winston'))?.credentials).toHaveLength(1);
  });
});
