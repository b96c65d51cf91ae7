import {
  type ManagementRequest,
  managementApi,
  managementRequest,
  responseBody,
} from '../../support/management-api';
import { fixturePasswordHash } from '../../support/password-hashes';

/**
 * Teammates (`/v1/users`) through createManagementHandler with in-memory fakes: a user of an account adds
 * further users to it, lists and removes them; a removed user's tokens stop working.
 */
type Api = ReturnType<typeof managementApi>;

const call = (api: Api, request: ManagementRequest) => api.handler(managementRequest(request));

/** An account with its first user stored (as sign-up leaves it) and that user's access token. */
async function accountWithUser(api: Api, accountId = 'acc-1', email = 'ann@example.com') {
  api.accounts.put(
    {
      accountId,
      email,
      passwordHash: fixturePasswordHash('ann password long'),
      createdAt: '2024-12-01T00:00:00.000Z',
    },
    true,
  );
  return { accountId, email, token: await api.userToken(accountId, email) };
}

describe('adding a teammate: POST /v1/users', () => {
  it('creates a user of the caller account who can log in', async () => {
    // Prepare
    const api = managementApi();
    const ann = await accountWithUser(api);
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: ann.token,
      body: { email: 'Bob@Example.com', password: 'bob password long' },
    });
    const login = await call(api, {
      method: 'POST',
      path: '/v1/auth/login',
      body: { email: 'bob@example.com', password: 'bob password long' },
    });
    // Assess
    expect(res.statusCode).toBe(201);
    expect(responseBody(res)).toEqual({ accountId: 'acc-1', email: 'bob@example.com' });
    expect(login.statusCode).toBe(200);
    expect(responseBody(login).accountId).toBe('acc-1');
    expect(api.log.lines().some((line) => line[0] === 'user added')).toBe(true);
  });

  it('applies the sign-up rules to email and password (400)', async () => {
    // Prepare
    const api = managementApi();
    const ann = await accountWithUser(api);
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: ann.token,
      body: { email: 'bob@example.com', password: 'short' },
    });
    // Assess
    expect(res.statusCode).toBe(400);
    expect(responseBody(res).error.message).toMatch(/password/);
  });

  it('refuses an email that already has an account (409)', async () => {
    // Prepare
    const api = managementApi();
    const ann = await accountWithUser(api);
    await accountWithUser(api, 'acc-2', 'carol@example.com');
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: ann.token,
      body: { email: 'carol@example.com', password: 'carol password long' },
    });
    // Assess
    expect(res.statusCode).toBe(409);
  });

  it('needs a user token (401)', async () => {
    // Act
    const res = await call(managementApi(), {
      method: 'POST',
      path: '/v1/users',
      body: { email: 'bob@example.com', password: 'bob password long' },
    });
    // Assess
    expect(res.statusCode).toBe(401);
  });
});

describe('listing teammates: GET /v1/users', () => {
  it('lists the users of the caller account only, without password hashes', async () => {
    // Prepare
    const api = managementApi();
    const ann = await accountWithUser(api);
    await accountWithUser(api, 'acc-2', 'carol@example.com');
    await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: ann.token,
      body: { email: 'bob@example.com', password: 'bob password long' },
    });
    // Act
    const res = await call(api, { method: 'GET', path: '/v1/users', token: ann.token });
    // Assess
    expect(res.statusCode).toBe(200);
    expect(responseBody(res).users.map((u: { email: string }) => u.email)).toEqual([
      'ann@example.com',
      'bob@example.com',
    ]);
    expect(res.body).not.toContain('scrypt');
  });

  it('lists the first user of an account from before teammates, once a teammate was added', async () => {
    // Prepare
    const api = managementApi();
    api.accounts.put({
      accountId: 'acc-old',
      email: 'old@example.com',
      passwordHash: fixturePasswordHash('old password long'),
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    const oldToken = await api.userToken('acc-old', 'old@example.com');
    await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: oldToken,
      body: { email: 'new@example.com', password: 'new password long' },
    });
    const newToken = await api.userToken('acc-old', 'new@example.com');
    // Act
    const res = await call(api, { method: 'GET', path: '/v1/users', token: newToken });
    // Assess
    expect(responseBody(res).users.map((u: { email: string }) => u.email)).toEqual([
      'new@example.com',
      'old@example.com',
    ]);
  });
});

describe('removing a teammate: DELETE /v1/users/{email}', () => {
  async function withBob(api: Api) {
    const ann = await accountWithUser(api);
    await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: ann.token,
      body: { email: 'bob@example.com', password: 'bob password long' },
    });
    const bobLogin = await call(api, {
      method: 'POST',
      path: '/v1/auth/login',
      body: { email: 'bob@example.com', password: 'bob password long' },
    });
    return { ann, bob: responseBody(bobLogin) as { accessToken: string; refreshToken: string } };
  }

  it('removes the user: its access and refresh tokens stop working at once', async () => {
    // Prepare
    const api = managementApi();
    const { ann, bob } = await withBob(api);
    // Act
    const res = await call(api, { method: 'DELETE', path: '/v1/users/bob@example.com', token: ann.token });
    const access = await call(api, { method: 'GET', path: '/v1/streams', token: bob.accessToken });
    const refresh = await call(api, {
      method: 'POST',
      path: '/v1/auth/refresh',
      body: { refreshToken: bob.refreshToken },
    });
    // Assess
    expect(res.statusCode).toBe(204);
    expect(access.statusCode).toBe(401);
    expect(refresh.statusCode).toBe(401);
    expect(api.log.lines().some((line) => line[0] === 'user removed')).toBe(true);
  });

  it('lets a removed user back in when added again', async () => {
    // Prepare
    const api = managementApi();
    const { ann } = await withBob(api);
    await call(api, { method: 'DELETE', path: '/v1/users/bob@example.com', token: ann.token });
    // Act
    await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: ann.token,
      body: { email: 'bob@example.com', password: 'bob second password' },
    });
    const again = await call(api, {
      method: 'GET',
      path: '/v1/streams',
      token: await api.userToken('acc-1', 'bob@example.com'),
    });
    // Assess
    expect(again.statusCode).toBe(200);
  });

  it('refuses to remove yourself (409)', async () => {
    // Prepare
    const api = managementApi();
    const ann = await accountWithUser(api);
    // Act
    const res = await call(api, { method: 'DELETE', path: '/v1/users/ann@example.com', token: ann.token });
    // Assess
    expect(res.statusCode).toBe(409);
    expect(responseBody(res).error.code).toBe('cannot_remove_self');
  });

  it("answers 404 for another account's user, and leaves it alone", async () => {
    // Prepare
    const api = managementApi();
    const ann = await accountWithUser(api);
    await accountWithUser(api, 'acc-2', 'carol@example.com');
    // Act
    const res = await call(api, { method: 'DELETE', path: '/v1/users/carol@example.com', token: ann.token });
    // Assess
    expect(res.statusCode).toBe(404);
    expect(await api.accounts.getByEmail('carol@example.com')).toBeDefined();
  });
});
