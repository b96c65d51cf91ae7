import { hashClientSecret } from '../../../lambdas/core/client-secrets';
import { type KeyLinkRecord, KeyLinkResolver } from '../../../lambdas/core/key-links';
import { keyedHash } from '../../../lambdas/core/keyed-hash';
import { hashPassword } from '../../../lambdas/core/passwords';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import { TinkDeterministicAead } from '../../../lambdas/core/tink-daead';
import { fromTinkJsonKeyset } from '../../../lambdas/core/tink-keyset';
import { testScope } from '../../support/key-link-scopes';
import {
  MANAGEMENT_NOW,
  type ManagementRequest,
  managementApi,
  managementRequest,
  responseBody,
} from '../../support/management-api';
import { streamRecord } from '../../support/stream-records';
import { testTokenService } from '../../support/token-service';

/**
 * Every rule the management handler owns, through createManagementHandler with in-memory fakes: routing,
 * authentication, sign-up, login, streams, usage, contracts, key links, data subjects, request bodies and
 * internal errors. (The emulator tests in test/integration/control-plane cover the adapters end to end.)
 */
type Api = ReturnType<typeof managementApi>;

const call = (api: Api, request: ManagementRequest) => api.handler(managementRequest(request));

/** A source stream with a predictable client id (`client-of-<name>`). */
function sourceStream(accountId: string, name: string, overrides: Partial<StreamRecord> = {}): StreamRecord {
  return streamRecord({
    name,
    accountId,
    createdAt: '2024-12-01T00:00:00.000Z',
    credentials: [{ clientId: `client-of-${name}` }],
    ...overrides,
  });
}

function derivedStream(accountId: string, name: string, linkedStream: string): StreamRecord {
  return sourceStream(accountId, name, {
    linkedStream,
    consentLevels: [1],
    consentLevelType: 'CUMULATIVE',
    keyRotationHours: undefined,
  });
}

/** A stored key link that need not open (enough for ownership, deletion and data-subject tests). */
async function storedKeyLink(api: Api, keyLinkId: string, accountId: string, dataSubjectHash?: string) {
  const record: KeyLinkRecord = {
    keyLinkId,
    scope: testScope(accountId),
    keyHash: `hash-of-${keyLinkId}`,
    keyId: 1,
    wrappedKey: new Uint8Array(60),
    kekId: 'kek-unused',
    createdAt: MANAGEMENT_NOW,
    expiresAt: MANAGEMENT_NOW + 3_600_000,
    ...(dataSubjectHash === undefined ? {} : { dataSubjectHash }),
  };
  await api.keyLinks.createIfAbsent(record, MANAGEMENT_NOW);
  return record;
}

describe('routing', () => {
  it('answers 404 route_not_found for an unknown path, before asking for a token', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, { method: 'GET', path: '/v1/nothing' });
    // Assess
    expect(res.statusCode).toBe(404);
    expect(responseBody(res)).toEqual({ error: { code: 'route_not_found', message: 'no such route' } });
  });

  it('answers 405 with the allowed methods for a known path and another method', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, { method: 'PUT', path: '/v1/streams' });
    // Assess
    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('GET, POST');
    expect(responseBody(res)).toEqual({ error: { code: 'method_not_allowed', message: 'use GET, POST' } });
  });

  it('uses a path parameter exactly as delivered, never decoding it again', async () => {
    // Prepare
    const api = managementApi();
    await storedKeyLink(api, 'A', 'acct-1');
    await storedKeyLink(api, '%41', 'acct-1');
    // Act
    const res = await call(api, {
      method: 'DELETE',
      path: '/v1/key-links/%41',
      token: await api.userToken('acct-1'),
    });
    // Assess
    expect(res.statusCode).toBe(204);
    expect(await api.keyLinks.getById('%41')).toBeUndefined();
    expect(await api.keyLinks.getById('A')).toBeDefined();
  });

  it('routes a path parameter of 1000 characters and no longer one', async () => {
    // Prepare
    const api = managementApi();
    const token = await api.userToken('acct-1');
    // Act
    const longest = await call(api, { method: 'GET', path: `/v1/key-links/${'a'.repeat(1000)}`, token });
    const tooLong = await call(api, { method: 'GET', path: `/v1/key-links/${'a'.repeat(1001)}`, token });
    // Assess
    expect(responseBody(longest).error.code).toBe('not_found');
    expect(responseBody(tooLong).error.code).toBe('route_not_found');
  });

  it('does not match an empty path segment to a parameter', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, {
      method: 'GET',
      path: '/v1/streams//usage',
      token: await api.userToken('a'),
    });
    // Assess
    expect(responseBody(res).error.code).toBe('route_not_found');
  });

  it('ignores one trailing slash', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, { method: 'GET', path: '/v1/me/', token: await api.userToken('acct-1') });
    // Assess
    expect(res.statusCode).toBe(200);
  });

  it('removes the prefix of a named stage', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, {
      method: 'GET',
      path: '/prod/v1/me',
      stage: 'prod',
      token: await api.userToken('acct-1'),
    });
    // Assess
    expect(res.statusCode).toBe(200);
    expect(responseBody(res).accountId).toBe('acct-1');
  });

  it('keeps the API’s own /v1 prefix when the stage is named v1', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, {
      method: 'GET',
      path: '/v1/me',
      stage: 'v1',
      token: await api.userToken('a'),
    });
    // Assess
    expect(res.statusCode).toBe(200);
  });
});

describe('authentication', () => {
  it('answers 401 missing_token without a bearer token and runs nothing', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, { method: 'GET', path: '/v1/streams' });
    // Assess
    expect(res.statusCode).toBe(401);
    expect(responseBody(res).error.code).toBe('missing_token');
    expect(api.streams.calls.list).toBeUndefined();
  });

  it.each([
    [
      'a refresh token',
      async (api: Api) =>
        (await api.tokens.issueUserTokens({ accountId: 'a', email: 'a@x.io' })).refreshToken,
    ],
    [
      'a stream token',
      async (api: Api) =>
        (await api.tokens.issueStreamTokens({ clientId: 'c', accountId: 'a', stream: 's', derived: false }))
          .accessToken,
    ],
    [
      'a token signed with another key',
      async () =>
        (await testTokenService({ signingKeyByte: 1 }).issueUserTokens({ accountId: 'a', email: 'a@x.io' }))
          .accessToken,
    ],
    ['garbage', async () => 'not-a-token'],
  ])('answers 401 for %s and writes nothing', async (_kind, tokenOf) => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/streams',
      token: await tokenOf(api),
      body: { name: 'winston' },
    });
    // Assess
    expect(res.statusCode).toBe(401);
    expect(api.streams.streams.size).toBe(0);
  });

  it('GET /v1/me answers the caller of the token', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, {
      method: 'GET',
      path: '/v1/me',
      token: await api.userToken('acct-1', 'ada@example.com'),
    });
    // Assess
    expect(responseBody(res)).toEqual({
      accountId: 'acct-1',
      email: 'ada@example.com',
      billingId: await api.billingIds.find('acct-1'),
    });
  });
});

describe('sign-up', () => {
  const signUp = (api: Api, body: object) => call(api, { method: 'POST', path: '/v1/accounts', body });

  it('open: creates the account with the normalised email and a scrypt hash, never the password', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await signUp(api, { email: ' Ada@Example.com ', password: 'correct horse' });
    // Assess
    expect(res.statusCode).toBe(201);
    const body = responseBody(res);
    expect(body).toEqual({
      accountId: expect.any(String),
      email: 'ada@example.com',
      billingId: await api.billingIds.find(body.accountId),
    });
    const stored = await api.accounts.getByEmail('ada@example.com');
    expect(stored).toMatchObject({
      accountId: body.accountId,
      createdAt: new Date(MANAGEMENT_NOW).toISOString(),
    });
    expect(stored?.passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(stored)).not.toContain('correct horse');
  });

  it('open: logs the new account by id only', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await signUp(api, { email: 'ada@example.com', password: 'correct horse' });
    // Assess
    expect(api.log.lines()).toContainEqual(['account created', { accountId: responseBody(res).accountId }]);
    expect(api.log.text()).not.toContain('ada@example.com');
    expect(api.log.text()).not.toContain('correct horse');
  });

  it('open: refuses a taken email with 409', async () => {
    // Prepare
    const api = managementApi();
    await signUp(api, { email: 'ada@example.com', password: 'correct horse' });
    // Act
    const res = await signUp(api, { email: 'ADA@example.com', password: 'another long enough one' });
    // Assess
    expect(res.statusCode).toBe(409);
    expect(responseBody(res).error.code).toBe('conflict');
  });

  it('refuses a short password with 400 naming the field', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await signUp(api, { email: 'ada@example.com', password: 'short' });
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.message).toBe('password must be at least 8 characters');
  });

  it('bootstrap: creates the first account with the bootstrap secret, under the first-account claim', async () => {
    // Prepare
    const api = managementApi({ signupMode: 'bootstrap', bootstrapSecret: async () => 'the-secret' });
    // Act
    const res = await signUp(api, {
      email: 'admin@example.com',
      password: 'a long enough password',
      bootstrapSecret: 'the-secret',
    });
    // Assess
    expect(res.statusCode).toBe(201);
    expect(api.accounts.calls.createFirst).toBe(1);
    expect(api.accounts.bootstrapClaimed).toBe(true);
  });

  it.each([
    ['without a secret', {}],
    ['with a wrong secret', { bootstrapSecret: 'the-secreT' }],
    ['with a longer secret', { bootstrapSecret: 'the-secret-and-more' }],
  ])('bootstrap: refuses the first account %s with 403 signup_closed', async (_case, extra) => {
    // Prepare
    const api = managementApi({ signupMode: 'bootstrap', bootstrapSecret: async () => 'the-secret' });
    // Act
    const res = await signUp(api, {
      email: 'admin@example.com',
      password: 'a long enough password',
      ...extra,
    });
    // Assess
    expect(res.statusCode).toBe(403);
    expect(responseBody(res).error).toEqual({ code: 'signup_closed', message: 'sign-up is closed' });
    expect(api.accounts.accounts.size).toBe(0);
  });

  it('bootstrap: stays closed when no bootstrap secret is configured', async () => {
    // Prepare
    const api = managementApi({ signupMode: 'bootstrap', bootstrapSecret: async () => undefined });
    // Act
    const res = await signUp(api, {
      email: 'admin@example.com',
      password: 'a long enough password',
      bootstrapSecret: '',
    });
    // Assess
    expect(res.statusCode).toBe(403);
  });

  it('bootstrap: is closed once an account exists, without reading the secret', async () => {
    // Prepare
    const bootstrapSecret = jest.fn(async () => 'the-secret');
    const api = managementApi({ signupMode: 'bootstrap', bootstrapSecret });
    await signUp(api, {
      email: 'admin@example.com',
      password: 'a long enough password',
      bootstrapSecret: 'the-secret',
    });
    bootstrapSecret.mockClear();
    // Act
    const res = await signUp(api, {
      email: 'other@example.com',
      password: 'a long enough password',
      bootstrapSecret: 'the-secret',
    });
    // Assess
    expect(res.statusCode).toBe(403);
    expect(bootstrapSecret).not.toHaveBeenCalled();
  });
});

describe('login and refresh', () => {
  async function withAccount() {
    const api = managementApi();
    api.accounts.put({
      accountId: 'acct-1',
      email: 'ada@example.com',
      passwordHash: await hashPassword('correct horse'),
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    return api;
  }
  const logIn = (api: Api, body: object) => call(api, { method: 'POST', path: '/v1/auth/login', body });
  const refresh = (api: Api, body: object) => call(api, { method: 'POST', path: '/v1/auth/refresh', body });

  it('login answers user tokens for the account, with the access token’s expiry in epoch seconds', async () => {
    // Prepare
    const api = await withAccount();
    // Act
    const res = await logIn(api, { email: 'Ada@example.com', password: 'correct horse' });
    // Assess
    expect(res.statusCode).toBe(200);
    const body = responseBody(res);
    expect(body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresAt: Math.floor(MANAGEMENT_NOW / 1000) + 3600,
      accountId: 'acct-1',
      email: 'ada@example.com',
      billingId: await api.billingIds.find('acct-1'),
    });
    expect(await api.tokens.verifyUserToken(body.accessToken)).toEqual({
      accountId: 'acct-1',
      email: 'ada@example.com',
      sessionId: expect.any(String),
    });
  });

  it('a wrong password and an unknown email get the same 401', async () => {
    // Prepare
    const api = await withAccount();
    // Act
    const wrong = await logIn(api, { email: 'ada@example.com', password: 'wrong horse' });
    const unknown = await logIn(api, { email: 'nobody@example.com', password: 'wrong horse' });
    // Assess
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(responseBody(wrong)).toEqual({
      error: { code: 'invalid_credentials', message: 'invalid email or password' },
    });
    expect(responseBody(unknown)).toEqual(responseBody(wrong));
  });

  it('refresh exchanges a refresh token for new tokens', async () => {
    // Prepare: the refresh token of a live session (as login issues it)
    const api = await withAccount();
    const { refreshToken } = await api.userSession('acct-1', 'ada@example.com');
    // Act
    const res = await refresh(api, { refreshToken });
    // Assess
    expect(res.statusCode).toBe(200);
    expect(responseBody(res)).toMatchObject({
      accountId: 'acct-1',
      email: 'ada@example.com',
      accessToken: expect.any(String),
    });
  });

  it('refresh refuses an access token with 401', async () => {
    // Prepare
    const api = await withAccount();
    // Act
    const res = await refresh(api, { refreshToken: await api.userToken('acct-1', 'ada@example.com') });
    // Assess
    expect(res.statusCode).toBe(401);
  });

  it('refresh refuses the token of an account that no longer has that email and id with 401 invalid_token', async () => {
    // Prepare
    const api = await withAccount();
    const { refreshToken } = await api.tokens.issueUserTokens({
      accountId: 'acct-0',
      email: 'ada@example.com',
    });
    // Act
    const res = await refresh(api, { refreshToken });
    // Assess
    expect(res.statusCode).toBe(401);
    expect(responseBody(res).error.code).toBe('invalid_token');
  });

  it('refresh without a refresh token is a 400 naming the field', async () => {
    // Prepare
    const api = await withAccount();
    // Act
    const res = await refresh(api, { token: 'x' });
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.message).toBe('refreshToken is required and must be a string');
  });
});

describe('streams', () => {
  it('create answers the stream and its credential once; only the secret’s hash is stored', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/streams',
      token: await api.userToken('acct-1'),
      body: { name: 'winston', tags: ['web'] },
    });
    // Assess
    expect(res.statusCode).toBe(201);
    const { stream, credentials } = responseBody(res);
    expect(stream).toEqual({
      name: 'winston',
      accountId: 'acct-1',
      description: '',
      tags: ['web'],
      enabled: true,
      keyRotationHours: 24,
      createdAt: new Date(MANAGEMENT_NOW).toISOString(),
      credentials: [{ clientId: credentials.clientId }],
    });
    expect(await api.streams.getCredential(credentials.clientId)).toEqual({
      clientId: credentials.clientId,
      secretHash: hashClientSecret(credentials.clientSecret),
      accountId: 'acct-1',
      streamName: 'winston',
    });
  });

  it('create names a derived stream by default and get lists it under its source', async () => {
    // Prepare
    const api = managementApi();
    const token = await api.userToken('acct-1');
    api.streams.put(sourceStream('acct-1', 'winston'));
    // Act
    const created = await call(api, {
      method: 'POST',
      path: '/v1/streams',
      token,
      body: { linkedStream: 'winston', consentLevels: [0] },
    });
    const source = await call(api, { method: 'GET', path: '/v1/streams/winston', token });
    // Assess
    expect(responseBody(created).stream).toMatchObject({ name: 'winston-0', linkedStream: 'winston' });
    expect(responseBody(source)).toEqual({
      stream: sourceStream('acct-1', 'winston'),
      derived: [responseBody(created).stream],
      batchExporters: [],
    });
  });

  it('create refuses a derived stream of another account’s source with 400', async () => {
    // Prepare
    const api = managementApi();
    api.streams.put(sourceStream('acct-owner', 'private'));
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/streams',
      token: await api.userToken('acct-intruder'),
      body: { linkedStream: 'private', consentLevels: [0] },
    });
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.message).toBe("linkedStream 'private' does not exist");
  });

  it('create answers 409 on a name clash', async () => {
    // Prepare
    const api = managementApi();
    api.streams.put(sourceStream('acct-1', 'winston'));
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/streams',
      token: await api.userToken('acct-1'),
      body: { name: 'winston' },
    });
    // Assess
    expect(res.statusCode).toBe(409);
    expect(responseBody(res).error).toEqual({
      code: 'stream_exists',
      message: 'stream winston already exists',
    });
  });

  it('list answers only the caller’s streams', async () => {
    // Prepare
    const api = managementApi();
    api.streams.put(sourceStream('acct-1', 'mine'));
    api.streams.put(sourceStream('acct-2', 'theirs'));
    // Act
    const res = await call(api, { method: 'GET', path: '/v1/streams', token: await api.userToken('acct-1') });
    // Assess
    expect(responseBody(res)).toEqual({ streams: [sourceStream('acct-1', 'mine')] });
  });

  it.each([
    ['GET', '/v1/streams/private'],
    ['DELETE', '/v1/streams/private'],
    ['GET', '/v1/streams/private/usage'],
  ])('%s %s of another account’s stream answers 404 and changes nothing', async (method, path) => {
    // Prepare
    const api = managementApi();
    api.streams.put(sourceStream('acct-owner', 'private'));
    // Act
    const res = await call(api, { method, path, token: await api.userToken('acct-intruder') });
    // Assess
    expect(res.statusCode).toBe(404);
    expect(responseBody(res).error).toEqual({ code: 'not_found', message: 'stream private not found' });
    expect(await api.streams.get('acct-owner', 'private')).toBeDefined();
  });

  it('a name that cannot be a stream answers 404 without a lookup', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, {
      method: 'GET',
      path: '/v1/streams/.hidden',
      token: await api.userToken('acct-1'),
    });
    // Assess
    expect(res.statusCode).toBe(404);
    expect(api.streams.calls.get).toBeUndefined();
  });

  it('delete refuses a source with derived streams with 409 naming them, unless recursive=true', async () => {
    // Prepare
    const api = managementApi();
    api.streams.put(sourceStream('acct-1', 'winston'));
    api.streams.put(derivedStream('acct-1', 'winston-1', 'winston'));
    const token = await api.userToken('acct-1');
    // Act
    const refused = await call(api, { method: 'DELETE', path: '/v1/streams/winston', token });
    const notTrue = await call(api, {
      method: 'DELETE',
      path: '/v1/streams/winston',
      token,
      query: { recursive: 'yes' },
    });
    // Assess
    expect(refused.statusCode).toBe(409);
    expect(responseBody(refused).error).toEqual({
      code: 'has_derived_streams',
      message: 'stream winston has derived streams (winston-1); delete them first or use ?recursive=true',
    });
    expect(notTrue.statusCode).toBe(409);
    expect(api.streams.streams.size).toBe(2);
  });

  it('delete with recursive=true deletes the derived streams, then the source, with their credentials', async () => {
    // Prepare
    const api = managementApi();
    api.streams.put(sourceStream('acct-1', 'winston'), 'hash');
    api.streams.put(derivedStream('acct-1', 'winston-1', 'winston'), 'hash');
    api.streams.put(sourceStream('acct-1', 'other'), 'hash');
    // Act
    const res = await call(api, {
      method: 'DELETE',
      path: '/v1/streams/winston',
      token: await api.userToken('acct-1'),
      query: { recursive: 'true' },
    });
    // Assess
    expect(responseBody(res)).toEqual({ deleted: ['winston-1', 'winston'] });
    expect([...api.streams.streams.values()].map((s) => s.name)).toEqual(['other']);
    expect([...api.streams.credentials.keys()]).toEqual(['client-of-other']);
  });

  it('delete of a derived stream deletes only it', async () => {
    // Prepare
    const api = managementApi();
    api.streams.put(sourceStream('acct-1', 'winston'));
    api.streams.put(derivedStream('acct-1', 'winston-1', 'winston'));
    // Act
    const res = await call(api, {
      method: 'DELETE',
      path: '/v1/streams/winston-1',
      token: await api.userToken('acct-1'),
    });
    // Assess
    expect(responseBody(res)).toEqual({ deleted: ['winston-1'] });
    expect(await api.streams.get('acct-1', 'winston')).toBeDefined();
  });
});

describe('usage', () => {
  const minute = (iso: string, count: number) => ({
    accountId: 'acct-1',
    streamName: 'counted',
    minute: iso,
    count,
  });

  it('sums the per-minute counts between from and until into buckets', async () => {
    // Prepare
    const api = managementApi();
    api.streams.put(sourceStream('acct-1', 'counted'));
    await api.usage.addCounts([
      minute('2025-01-01T10:01:00.000Z', 3),
      minute('2025-01-01T10:59:00.000Z', 4),
      minute('2025-01-01T11:00:00.000Z', 5),
      minute('2025-01-01T13:00:00.000Z', 100),
    ]);
    // Act
    const res = await call(api, {
      method: 'GET',
      path: '/v1/streams/counted/usage',
      token: await api.userToken('acct-1'),
      query: { from: '2025-01-01T10:00:00Z', until: '2025-01-01T12:00:00Z', by: 'hour' },
    });
    // Assess
    expect(responseBody(res)).toEqual({
      buckets: [
        { from: '2025-01-01T10:00:00.000Z', count: 7 },
        { from: '2025-01-01T11:00:00.000Z', count: 5 },
      ],
    });
  });

  it('reads the last 24 hours by default, from the minute that holds the start', async () => {
    // Prepare
    const api = managementApi({ now: () => MANAGEMENT_NOW + 30_500 });
    api.streams.put(sourceStream('acct-1', 'counted'));
    // Act
    await call(api, {
      method: 'GET',
      path: '/v1/streams/counted/usage',
      token: await api.userToken('acct-1'),
    });
    // Assess
    expect(api.usage.listCalls).toEqual([
      ['acct-1', 'counted', '2024-12-31T12:00:00.000Z', '2025-01-01T12:00:30.500Z'],
    ]);
  });

  it('rejects a bucket size that is not minute, hour or day with 400', async () => {
    // Prepare
    const api = managementApi();
    api.streams.put(sourceStream('acct-1', 'counted'));
    // Act
    const res = await call(api, {
      method: 'GET',
      path: '/v1/streams/counted/usage',
      token: await api.userToken('acct-1'),
      query: { by: 'week' },
    });
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.message).toBe("by must be 'minute', 'hour' or 'day'");
  });
});

describe('contracts', () => {
  const orders = { ref: 'acme/orders/1.0.0', keyField: 'orderId', piiFields: { 'customer/email': 1 } };

  it('create stores a custom contract and get answers it to its account only', async () => {
    // Prepare
    const api = managementApi();
    const token = await api.userToken('acct-1');
    // Act
    const created = await call(api, { method: 'POST', path: '/v1/contracts', token, body: orders });
    const own = await call(api, { method: 'GET', path: '/v1/contracts/acme/orders/1.0.0', token });
    const other = await call(api, {
      method: 'GET',
      path: '/v1/contracts/acme/orders/1.0.0',
      token: await api.userToken('acct-2'),
    });
    // Assess
    expect(created.statusCode).toBe(201);
    expect(responseBody(own).contract).toMatchObject({ ref: 'acme/orders/1.0.0', keyField: 'orderId' });
    expect(other.statusCode).toBe(404);
    expect(responseBody(other).error.message).toBe('contract acme/orders/1.0.0 not found');
  });

  it('list answers the built-in contracts and the caller’s own, not another account’s', async () => {
    // Prepare
    const api = managementApi();
    await api.contracts.put('acct-1', { ...orders, validations: [] });
    await api.contracts.put('acct-2', { ...orders, ref: 'other/orders/1.0.0', validations: [] });
    // Act
    const res = await call(api, {
      method: 'GET',
      path: '/v1/contracts',
      token: await api.userToken('acct-1'),
    });
    // Assess
    expect(responseBody(res).contracts.map((c: { ref: string }) => c.ref)).toEqual([
      'streammachine/clickstream/1.0.0',
      'streammachine/example/1.3.0',
      'acme/orders/1.0.0',
    ]);
  });

  it('get answers a built-in contract', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, {
      method: 'GET',
      path: '/v1/contracts/streammachine/clickstream/1.0.0',
      token: await api.userToken('acct-1'),
    });
    // Assess
    expect(responseBody(res).contract.keyField).toBe('producerSessionId');
  });

  it.each([
    ['a built-in ref', { ref: 'streammachine/clickstream/1.0.0', keyField: 'x' }, 'contract_exists'],
    ['a ref the account has', orders, 'conflict'],
  ])('create refuses %s with 409', async (_case, body, code) => {
    // Prepare
    const api = managementApi();
    await api.contracts.put('acct-1', { ...orders, validations: [] });
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/contracts',
      token: await api.userToken('acct-1'),
      body,
    });
    // Assess
    expect(res.statusCode).toBe(409);
    expect(responseBody(res).error.code).toBe(code);
  });

  it('create refuses an invalid contract with 400 naming the field', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/contracts',
      token: await api.userToken('acct-1'),
      body: { ref: 'nope', keyField: 'x' },
    });
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.message).toMatch(/^contract\.ref/);
  });
});

describe('key links', () => {
  async function withKeyLink(api: Api, accountId: string) {
    const resolver = new KeyLinkResolver({
      store: api.keyLinks,
      keks: api.keks,
      lookupSecret: api.lookupSecret,
    });
    return resolver.forKeyFieldValue(testScope(accountId), 'session-42');
  }

  it('export answers the key as a Tink keyset that decrypts what the key link encrypted', async () => {
    // Prepare
    const api = managementApi();
    const { keyLinkId, aead } = await withKeyLink(api, 'acct-1');
    const ciphertext = aead.encryptString('ada@example.com');
    const link = await api.keyLinks.getById(keyLinkId);
    // Act
    const res = await call(api, {
      method: 'GET',
      path: `/v1/key-links/${keyLinkId}`,
      token: await api.userToken('acct-1'),
    });
    // Assess
    expect(res.statusCode).toBe(200);
    const body = responseBody(res);
    expect(body).toEqual({
      keyLinkId,
      createdAt: new Date(link!.createdAt).toISOString(),
      expiresAt: new Date(link!.expiresAt).toISOString(),
      keyset: expect.any(String),
    });
    expect(new TinkDeterministicAead(fromTinkJsonKeyset(body.keyset)).decryptString(ciphertext)).toBe(
      'ada@example.com',
    );
  });

  it('export logs the key link id, never the key', async () => {
    // Prepare
    const api = managementApi();
    const { keyLinkId } = await withKeyLink(api, 'acct-1');
    // Act
    const res = await call(api, {
      method: 'GET',
      path: `/v1/key-links/${keyLinkId}`,
      token: await api.userToken('acct-1'),
    });
    // Assess
    expect(api.log.lines()).toContainEqual(['key link exported', { accountId: 'acct-1', keyLinkId }]);
    const keyValue = JSON.parse(responseBody(res).keyset).key[0].keyData.value;
    expect(api.log.text()).not.toContain(keyValue);
  });

  it('another account’s key link answers 404 to export and delete, and stays', async () => {
    // Prepare
    const api = managementApi();
    const { keyLinkId } = await withKeyLink(api, 'acct-owner');
    const token = await api.userToken('acct-intruder');
    // Act
    const exported = await call(api, { method: 'GET', path: `/v1/key-links/${keyLinkId}`, token });
    const deleted = await call(api, { method: 'DELETE', path: `/v1/key-links/${keyLinkId}`, token });
    // Assess
    expect(exported.statusCode).toBe(404);
    expect(deleted.statusCode).toBe(404);
    expect(responseBody(deleted).error.message).toBe('key link not found');
    expect(await api.keyLinks.getById(keyLinkId)).toBeDefined();
  });

  it('delete crypto-shreds the key link: 204, then 404', async () => {
    // Prepare
    const api = managementApi();
    const { keyLinkId } = await withKeyLink(api, 'acct-1');
    const token = await api.userToken('acct-1');
    // Act
    const res = await call(api, { method: 'DELETE', path: `/v1/key-links/${keyLinkId}`, token });
    const again = await call(api, { method: 'GET', path: `/v1/key-links/${keyLinkId}`, token });
    // Assess
    expect(res.statusCode).toBe(204);
    expect(await api.keyLinks.getById(keyLinkId)).toBeUndefined();
    expect(again.statusCode).toBe(404);
  });

  it('a key link whose key-encryption key is missing answers 500, logged by error name', async () => {
    // Prepare
    const api = managementApi();
    const link = await storedKeyLink(api, 'broken-link', 'acct-1');
    // Act
    const res = await call(api, {
      method: 'GET',
      path: `/v1/key-links/${link.keyLinkId}`,
      token: await api.userToken('acct-1'),
    });
    // Assess
    expect(res.statusCode).toBe(500);
    expect(responseBody(res)).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
    expect(api.log.lines()).toContainEqual([
      'request failed',
      { route: 'GET /v1/key-links/:id', errorName: 'KeyLinkIntegrityError' },
    ]);
  });
});

describe('data subjects', () => {
  it('forget crypto-shreds every key link of the subject in the caller’s account only', async () => {
    // Prepare
    const api = managementApi();
    const subject = 'customer-7@example.com';
    const hashIn = (accountId: string) => keyedHash(api.lookupSecret, accountId, subject);
    await storedKeyLink(api, 'mine-1', 'acct-1', hashIn('acct-1'));
    await storedKeyLink(api, 'mine-2', 'acct-1', hashIn('acct-1'));
    await storedKeyLink(api, 'someone-else', 'acct-1', keyedHash(api.lookupSecret, 'acct-1', 'customer-8'));
    await storedKeyLink(api, 'theirs', 'acct-2', hashIn('acct-2'));
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/data-subjects/forget',
      token: await api.userToken('acct-1'),
      body: { dataSubject: subject },
    });
    // Assess
    expect(responseBody(res)).toEqual({ deletedKeyLinks: 2 });
    expect([...api.keyLinks.links.keys()].sort()).toEqual(['someone-else', 'theirs']);
    expect(api.log.text()).not.toContain(subject);
  });

  it.each([
    ['no dataSubject', {}],
    ['an empty one', { dataSubject: '' }],
    ['a number', { dataSubject: 7 }],
    ['one of 1001 characters', { dataSubject: 'x'.repeat(1001) }],
  ])('forget refuses %s with 400 naming dataSubject', async (_case, body) => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/data-subjects/forget',
      token: await api.userToken('a'),
      body,
    });
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.message).toBe(
      'dataSubject must be a non-empty string of at most 1000 characters',
    );
  });
});

describe('request bodies', () => {
  const postStream = async (api: Api, body: string, extra: Partial<ManagementRequest> = {}) =>
    call(api, { method: 'POST', path: '/v1/streams', token: await api.userToken('acct-1'), body, ...extra });

  it.each([
    ['an empty body', '', 'request body must be a JSON object'],
    ['a blank body', ' \n', 'request body must be a JSON object'],
    ['malformed JSON', '{"name": ', 'request body is not valid JSON'],
    ['JSON null', 'null', 'request body must be a JSON object'],
    ['a JSON array', '[]', 'request body must be a JSON object'],
  ])('answers 400 invalid_request for %s', async (_case, body, message) => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await postStream(api, body);
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error).toEqual({ code: 'invalid_request', message });
  });

  it('reads a base64-encoded body', async () => {
    // Prepare
    const api = managementApi();
    const body = Buffer.from(JSON.stringify({ name: 'winston' })).toString('base64');
    // Act
    const res = await postStream(api, body, { isBase64Encoded: true });
    // Assess
    expect(res.statusCode).toBe(201);
  });

  it('answers 413 for a body over 1 MiB', async () => {
    // Prepare
    const api = managementApi();
    // Act
    const res = await postStream(
      api,
      JSON.stringify({ name: 'winston', description: 'x'.repeat(1024 * 1024) }),
    );
    // Assess
    expect(res.statusCode).toBe(413);
  });

  it('logs a rejected request by route, status and code', async () => {
    // Prepare
    const api = managementApi();
    // Act
    await postStream(api, '{');
    // Assess
    expect(api.log.lines()).toContainEqual([
      'request rejected',
      { route: 'POST /v1/streams', status: 400, code: 'invalid_request' },
    ]);
  });
});

describe('internal errors', () => {
  it('answer 500 internal_error without the message, which is not logged either', async () => {
    // Prepare
    const api = managementApi();
    api.streams.list = async () => {
      throw new Error('connection refused while listing for ada@example.com');
    };
    // Act
    const res = await call(api, { method: 'GET', path: '/v1/streams', token: await api.userToken('acct-1') });
    // Assess
    expect(res.statusCode).toBe(500);
    expect(responseBody(res)).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
    expect(api.log.lines()).toContainEqual([
      'request failed',
      { route: 'GET /v1/streams', errorName: 'Error' },
    ]);
    expect(api.log.text()).not.toContain('ada@example.com');
  });
});
