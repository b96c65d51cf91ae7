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

  it('leaves the sessions of an email that already has an account alone when refusing it (409)', async () => {
    // Prepare
    const api = managementApi();
    const ann = await accountWithUser(api);
    const carol = await accountWithUser(api, 'acc-2', 'carol@example.com');
    // Act
    const res = await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: ann.token,
      body: { email: 'carol@example.com', password: 'carol password long' },
    });
    const access = await call(api, { method: 'GET', path: '/v1/streams', token: carol.token });
    // Assess
    expect(res.statusCode).toBe(409);
    expect(access.statusCode).toBe(200);
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

  it('lists the first user of an account from before teammates from its first login on', async () => {
    // Prepare
    const api = managementApi();
    api.accounts.put({
      accountId: 'acc-old',
      email: 'old@example.com',
      passwordHash: fixturePasswordHash('old password long'),
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    const login = await call(api, {
      method: 'POST',
      path: '/v1/auth/login',
      body: { email: 'old@example.com', password: 'old password long' },
    });
    const oldToken = responseBody(login).accessToken as string;
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

describe('a user from before teammates (no membership item)', () => {
  async function legacyUser(api: Api) {
    api.accounts.put({
      accountId: 'acc-old',
      email: 'old@example.com',
      passwordHash: fixturePasswordHash('old password long'),
      createdAt: '2024-01-01T00:00:00.000Z',
    });
  }

  it('is listed once it has logged in, without adding anyone', async () => {
    // Prepare
    const api = managementApi();
    await legacyUser(api);
    // Act
    const login = await call(api, {
      method: 'POST',
      path: '/v1/auth/login',
      body: { email: 'old@example.com', password: 'old password long' },
    });
    const listed = await call(api, {
      method: 'GET',
      path: '/v1/users',
      token: responseBody(login).accessToken,
    });
    // Assess
    expect(responseBody(listed).users).toEqual([
      { email: 'old@example.com', createdAt: '2024-01-01T00:00:00.000Z' },
    ]);
  });

  it('is backfilled at its first login only', async () => {
    // Prepare
    const api = managementApi();
    await legacyUser(api);
    const body = { email: 'old@example.com', password: 'old password long' };
    // Act
    await call(api, { method: 'POST', path: '/v1/auth/login', body });
    await call(api, { method: 'POST', path: '/v1/auth/login', body });
    // Assess
    expect(api.accounts.calls.backfillMembership).toBe(1);
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

  it('revokes every session of the removed user, so adding the email again brings none of them back', async () => {
    // Prepare
    const api = managementApi();
    const { ann, bob } = await withBob(api);
    await call(api, { method: 'DELETE', path: '/v1/users/bob@example.com', token: ann.token });
    await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: ann.token,
      body: { email: 'bob@example.com', password: 'bob second password' },
    });
    // Act
    const access = await call(api, { method: 'GET', path: '/v1/streams', token: bob.accessToken });
    const refresh = await call(api, {
      method: 'POST',
      path: '/v1/auth/refresh',
      body: { refreshToken: bob.refreshToken },
    });
    // Assess
    expect(access.statusCode).toBe(401);
    expect(refresh.statusCode).toBe(401);
    expect(api.sessions.of('bob@example.com')).toEqual([]);
  });

  it('needs no account read on authenticated calls: the session read decides', async () => {
    // Prepare
    const api = managementApi();
    const ann = await accountWithUser(api);
    const readsBefore = { ...api.accounts.calls };
    // Act
    const res = await call(api, { method: 'GET', path: '/v1/streams', token: ann.token });
    // Assess
    expect(res.statusCode).toBe(200);
    expect(api.accounts.calls).toEqual(readsBefore);
  });

  it('a refresh of a user whose login is gone is refused before its refresh token rotates', async () => {
    // Prepare
    const api = managementApi();
    const { bob } = await withBob(api);
    api.accounts.accounts.delete('bob@example.com');
    const [before] = api.sessions.of('bob@example.com');
    // Act
    const refresh = await call(api, {
      method: 'POST',
      path: '/v1/auth/refresh',
      body: { refreshToken: bob.refreshToken },
    });
    // Assess
    expect(refresh.statusCode).toBe(401);
    expect(api.sessions.of('bob@example.com')).toEqual([before]);
  });

  it('a login that races the removal keeps no session', async () => {
    // Prepare
    const api = managementApi();
    const { ann } = await withBob(api);
    const create = api.sessions.create.bind(api.sessions);
    // The removal lands between the password check and the new session.
    api.sessions.create = async (session) => {
      if (session.email === 'bob@example.com') {
        await call(api, { method: 'DELETE', path: '/v1/users/bob@example.com', token: ann.token });
      }
      await create(session);
    };
    // Act
    const login = await call(api, {
      method: 'POST',
      path: '/v1/auth/login',
      body: { email: 'bob@example.com', password: 'bob password long' },
    });
    // Assess
    expect(login.statusCode).toBe(401);
    expect(api.sessions.of('bob@example.com')).toEqual([]);
  });

  it('revokes the sessions a user removed before sessions were revoked on removal kept, when added again', async () => {
    // Prepare: removed by an earlier version, which deleted the login but left the sessions.
    const api = managementApi();
    const { ann, bob } = await withBob(api);
    await api.accounts.removeUser('acc-1', 'bob@example.com');
    // Act
    const added = await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: ann.token,
      body: { email: 'bob@example.com', password: 'bob second password' },
    });
    const access = await call(api, { method: 'GET', path: '/v1/streams', token: bob.accessToken });
    const refresh = await call(api, {
      method: 'POST',
      path: '/v1/auth/refresh',
      body: { refreshToken: bob.refreshToken },
    });
    // Assess
    expect(added.statusCode).toBe(201);
    expect(access.statusCode).toBe(401);
    expect(refresh.statusCode).toBe(401);
    expect(api.sessions.of('bob@example.com')).toEqual([]);
  });

  it('revokes the old sessions before the added user exists, so none is live once it can log in', async () => {
    // Prepare
    const api = managementApi();
    const { ann } = await withBob(api);
    await api.accounts.removeUser('acc-1', 'bob@example.com');
    const addUser = api.accounts.addUser.bind(api.accounts);
    let liveWhenAdded: number | undefined;
    api.accounts.addUser = async (user) => {
      liveWhenAdded = api.sessions.of(user.email).length;
      await addUser(user);
    };
    // Act
    await call(api, {
      method: 'POST',
      path: '/v1/users',
      token: ann.token,
      body: { email: 'bob@example.com', password: 'bob second password' },
    });
    // Assess
    expect(liveWhenAdded).toBe(0);
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
