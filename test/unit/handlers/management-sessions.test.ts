import {
  MANAGEMENT_NOW,
  type ManagementRequest,
  managementApi,
  managementRequest,
  responseBody,
} from '../../support/management-api';
import { fixturePasswordHash } from '../../support/password-hashes';

/**
 * Sessions and sign-in backoff through createManagementHandler with in-memory fakes: refresh-token
 * rotation with reuse detection, server-side logout, password change, and 429 after failed sign-ins.
 */
type Api = ReturnType<typeof managementApi>;

const EMAIL = 'ada@example.com';
const PASSWORD = 'correct horse battery';

function call(api: Api, request: ManagementRequest & { sourceIp?: string }) {
  const event = managementRequest(request);
  if (request.sourceIp) event.requestContext.http.sourceIp = request.sourceIp;
  return api.handler(event);
}

async function withAccount(): Promise<Api> {
  const api = managementApi();
  api.accounts.put({
    accountId: 'acct-1',
    email: EMAIL,
    passwordHash: fixturePasswordHash(PASSWORD),
    createdAt: '2024-01-01T00:00:00.000Z',
  });
  return api;
}

async function logIn(api: Api, password = PASSWORD, email = EMAIL, sourceIp?: string) {
  return call(api, { method: 'POST', path: '/v1/auth/login', body: { email, password }, sourceIp });
}

async function session(api: Api) {
  return responseBody(await logIn(api));
}

const refresh = (api: Api, refreshToken: string) =>
  call(api, { method: 'POST', path: '/v1/auth/refresh', body: { refreshToken } });
const me = (api: Api, token: string) => call(api, { method: 'GET', path: '/v1/me', token });
const logOut = (api: Api, body: unknown) => call(api, { method: 'POST', path: '/v1/auth/logout', body });
const changePassword = (api: Api, token: string, body: unknown) =>
  call(api, { method: 'POST', path: '/v1/auth/password', token, body });

describe('refresh-token rotation', () => {
  it('answers a new refresh token; the one sent is used up', async () => {
    // Prepare
    const api = await withAccount();
    const first = await session(api);
    // Act
    const res = await refresh(api, first.refreshToken);
    // Assess
    expect(res.statusCode).toBe(200);
    const next = responseBody(res);
    expect(next.refreshToken).not.toBe(first.refreshToken);
    expect((await me(api, next.accessToken)).statusCode).toBe(200);
  });

  it('a used-up refresh token sent again is 401 invalid_token and revokes the whole session', async () => {
    // Prepare
    const api = await withAccount();
    const first = await session(api);
    const next = responseBody(await refresh(api, first.refreshToken));
    // Act
    const reused = await refresh(api, first.refreshToken);
    // Assess
    expect(reused.statusCode).toBe(401);
    expect(responseBody(reused).error.code).toBe('invalid_token');
    expect((await refresh(api, next.refreshToken)).statusCode).toBe(401);
    expect((await me(api, next.accessToken)).statusCode).toBe(401);
    expect((await me(api, first.accessToken)).statusCode).toBe(401);
  });

  it('a reuse ends only that session, not the user’s other sessions', async () => {
    // Prepare
    const api = await withAccount();
    const stolen = await session(api);
    const other = await session(api);
    await refresh(api, stolen.refreshToken);
    // Act
    await refresh(api, stolen.refreshToken);
    // Assess
    expect((await me(api, other.accessToken)).statusCode).toBe(200);
  });

  it('refuses a refresh token from before sessions existed (no session id) with 401', async () => {
    // Prepare
    const api = await withAccount();
    const { refreshToken } = await api.tokens.issueUserTokens({ accountId: 'acct-1', email: EMAIL });
    // Act
    const res = await refresh(api, refreshToken);
    // Assess
    expect(res.statusCode).toBe(401);
  });
});

describe('logout', () => {
  it('answers 204 and ends the session: its refresh and access tokens stop working', async () => {
    // Prepare
    const api = await withAccount();
    const s = await session(api);
    // Act
    const res = await logOut(api, { refreshToken: s.refreshToken });
    // Assess
    expect(res.statusCode).toBe(204);
    expect((await refresh(api, s.refreshToken)).statusCode).toBe(401);
    expect((await me(api, s.accessToken)).statusCode).toBe(401);
  });

  it.each([
    ['an invalid token', 'not-a-token'],
    ['an access token', 'ACCESS'],
  ])('answers 204 for %s (logout is idempotent) and ends nothing', async (_what, token) => {
    // Prepare
    const api = await withAccount();
    const s = await session(api);
    // Act
    const res = await logOut(api, { refreshToken: token === 'ACCESS' ? s.accessToken : token });
    // Assess
    expect(res.statusCode).toBe(204);
    expect((await me(api, s.accessToken)).statusCode).toBe(200);
  });

  it('answers 204 when the session was already ended', async () => {
    // Prepare
    const api = await withAccount();
    const s = await session(api);
    await logOut(api, { refreshToken: s.refreshToken });
    // Act
    const again = await logOut(api, { refreshToken: s.refreshToken });
    // Assess
    expect(again.statusCode).toBe(204);
  });

  it('answers 400 naming the field without a refresh token', async () => {
    // Act
    const res = await logOut(await withAccount(), { token: 'x' });
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.message).toBe('refreshToken is required and must be a string');
  });
});

describe('password change', () => {
  const NEW_PASSWORD = 'a brand new passphrase';

  it('answers 204, revokes every session of the user and signs in with the new password only', async () => {
    // Prepare
    const api = await withAccount();
    const current = await session(api);
    const elsewhere = await session(api);
    // Act
    const res = await changePassword(api, current.accessToken, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    // Assess
    expect(res.statusCode).toBe(204);
    for (const s of [current, elsewhere]) {
      expect((await me(api, s.accessToken)).statusCode).toBe(401);
      expect((await refresh(api, s.refreshToken)).statusCode).toBe(401);
    }
    expect((await logIn(api, PASSWORD)).statusCode).toBe(401);
    expect((await logIn(api, NEW_PASSWORD)).statusCode).toBe(200);
  });

  it('refuses a wrong current password with 403 and changes nothing', async () => {
    // Prepare
    const api = await withAccount();
    const s = await session(api);
    // Act
    const res = await changePassword(api, s.accessToken, {
      currentPassword: 'wrong horse',
      newPassword: NEW_PASSWORD,
    });
    // Assess
    expect(res.statusCode).toBe(403);
    expect(responseBody(res).error.code).toBe('invalid_credentials');
    expect((await me(api, s.accessToken)).statusCode).toBe(200);
    expect((await logIn(api, PASSWORD)).statusCode).toBe(200);
  });

  it('refuses a new password the policy refuses with 400 weak_password', async () => {
    // Prepare
    const api = await withAccount();
    const s = await session(api);
    // Act
    const res = await changePassword(api, s.accessToken, {
      currentPassword: PASSWORD,
      newPassword: '12345678',
    });
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.code).toBe('weak_password');
  });

  it('needs a live session (401 without a token)', async () => {
    // Act
    const res = await call(await withAccount(), {
      method: 'POST',
      path: '/v1/auth/password',
      body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    // Assess
    expect(res.statusCode).toBe(401);
  });

  it('logs that the password changed with ids and counts only', async () => {
    // Prepare
    const api = await withAccount();
    const s = await session(api);
    // Act
    await changePassword(api, s.accessToken, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    // Assess
    expect(api.log.attributesOf('password changed')).toEqual([
      { accountId: 'acct-1', sessionsRevoked: 1, connectionsEnded: 0 },
    ]);
    expect(api.log.text()).not.toContain(NEW_PASSWORD);
    expect(api.log.text()).not.toContain(PASSWORD);
  });
});

describe('sign-in backoff', () => {
  it('after 5 free failures and one more, answers 429 too_many_attempts with Retry-After, even to the right password', async () => {
    // Prepare
    const api = await withAccount();
    for (let i = 0; i < 6; i++) expect((await logIn(api, 'wrong horse')).statusCode).toBe(401);
    const readsBefore = api.accounts.calls.getByEmail;
    // Act
    const res = await logIn(api, PASSWORD);
    // Assess
    expect(res.statusCode).toBe(429);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(responseBody(res).error).toEqual({
      code: 'too_many_attempts',
      message: 'too many failed sign-ins; retry later',
    });
    expect(api.accounts.calls.getByEmail).toBe(readsBefore);
  });

  it('doubles the wait with each further failure', async () => {
    // Prepare
    const api = await withAccount();
    for (let i = 0; i < 10; i++)
      await api.loginAttempts.recordFailure(`account#${EMAIL}`, MANAGEMENT_NOW, 1e9);
    // Act
    const res = await logIn(api, PASSWORD);
    // Assess: 10 failures, 5 free: 1 s · 2^4
    expect(res.statusCode).toBe(429);
    expect(res.headers?.['retry-after']).toBe('16');
  });

  it('treats an unknown email like a known one (no way to tell which accounts exist)', async () => {
    // Prepare
    const api = await withAccount();
    for (let i = 0; i < 6; i++) await logIn(api, 'wrong horse', 'nobody@example.com');
    // Act
    const res = await logIn(api, 'wrong horse', 'nobody@example.com');
    // Assess
    expect(res.statusCode).toBe(429);
  });

  it('a successful sign-in forgets the account’s failures', async () => {
    // Prepare
    const api = await withAccount();
    for (let i = 0; i < 5; i++) await logIn(api, 'wrong horse');
    await logIn(api, PASSWORD);
    // Act
    for (let i = 0; i < 5; i++) await logIn(api, 'wrong horse');
    const res = await logIn(api, PASSWORD);
    // Assess
    expect(res.statusCode).toBe(200);
  });

  it('one source failing on many accounts waits too; other sources do not', async () => {
    // Prepare
    const api = await withAccount();
    for (let i = 0; i < 21; i++) await logIn(api, 'wrong horse', `guess-${i}@example.com`, '203.0.113.7');
    // Act
    const fromAttacker = await logIn(api, PASSWORD, EMAIL, '203.0.113.7');
    const fromElsewhere = await logIn(api, PASSWORD, EMAIL, '198.51.100.1');
    // Assess
    expect(fromAttacker.statusCode).toBe(429);
    expect(fromElsewhere.statusCode).toBe(200);
  });
});
