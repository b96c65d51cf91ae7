import { ApiError } from '../../../console/src/api/http';
import {
  REFRESH_AHEAD_MS,
  type RefreshTokenStore,
  Session,
  type SessionDeps,
  SessionEndedError,
} from '../../../console/src/api/session';

/**
 * The console's session against a scripted management API: quiet refresh before expiry with rotation,
 * one retry after a 401, a clean end when the refresh token is refused, sign-out.
 */

const T0 = Date.parse('2025-01-01T12:00:00Z');

interface Call {
  method: string;
  url: string;
  body?: unknown;
  authorization?: string;
}

/** A management API that answers login/refresh with numbered tokens; `refuse` lists refresh tokens it refuses. */
function scriptedApi(opts: { refuse?: Set<string>; unauthorizedFirst?: boolean } = {}) {
  const calls: Call[] = [];
  const clock = { now: T0 };
  let issued = 0;
  let unauthorizedOnce = opts.unauthorizedFirst ?? false;
  const timers: { at: number; fn: () => void; cancelled: boolean }[] = [];
  const stored: { token?: string } = {};
  const json = (status: number, body: unknown) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status });
  const tokens = () => {
    issued++;
    return {
      accessToken: `access-${issued}`,
      refreshToken: `refresh-${issued}`,
      expiresAt: Math.floor(clock.now / 1000) + 3600,
      accountId: 'acct-1',
      email: 'ada@example.com',
    };
  };
  const fetch = async (url: string, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method: init?.method ?? 'GET', url, body, authorization: headers.authorization });
    if (url === '/v1/auth/login') return json(200, tokens());
    if (url === '/v1/auth/refresh') {
      if (opts.refuse?.has(body.refreshToken))
        return json(401, { error: { code: 'invalid_token', message: 'no' } });
      return json(200, tokens());
    }
    if (url === '/v1/auth/logout') return json(204, undefined);
    if (unauthorizedOnce) {
      unauthorizedOnce = false;
      return json(401, { error: { code: 'token_expired', message: 'token expired' } });
    }
    return json(200, { streams: [] });
  };
  const store: RefreshTokenStore = { load: () => stored.token, save: (t) => (stored.token = t) };
  const deps: SessionDeps = {
    fetch,
    store,
    now: () => clock.now,
    setTimer: (fn, ms) => {
      const timer = { at: clock.now + ms, fn, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
  };
  /** Moves the clock and runs the timers that are due. */
  const advance = async (ms: number) => {
    clock.now += ms;
    for (const t of timers.filter((x) => !x.cancelled && x.at <= clock.now)) {
      t.cancelled = true;
      t.fn();
    }
    await new Promise((r) => setTimeout(r, 0));
  };
  return { deps, calls, stored, advance, clock };
}

describe('console session', () => {
  it('signs in and sends the access token with every call', async () => {
    // Prepare
    const api = scriptedApi();
    const session = await Session.signIn(api.deps, 'ada@example.com', 'pw');
    // Act
    await session.call('GET', '/v1/streams');
    // Assess
    expect(api.calls[0]).toMatchObject({
      url: '/v1/auth/login',
      body: { email: 'ada@example.com', password: 'pw' },
    });
    expect(api.calls[1]).toMatchObject({ url: '/v1/streams', authorization: 'Bearer access-1' });
    expect(api.stored.token).toBe('refresh-1');
  });

  it('refreshes quietly a minute before the access token expires, keeping the new refresh token', async () => {
    // Prepare
    const api = scriptedApi();
    const session = await Session.signIn(api.deps, 'ada@example.com', 'pw');
    // Act
    await api.advance(3600_000 - REFRESH_AHEAD_MS);
    await session.call('GET', '/v1/streams');
    // Assess
    expect(api.calls.filter((c) => c.url === '/v1/auth/refresh').map((c) => c.body)).toEqual([
      { refreshToken: 'refresh-1' },
    ]);
    expect(api.calls.at(-1)).toMatchObject({ authorization: 'Bearer access-2' });
    expect(api.stored.token).toBe('refresh-2');
  });

  it('uses each rotated refresh token once, in turn', async () => {
    // Prepare
    const api = scriptedApi();
    await Session.signIn(api.deps, 'ada@example.com', 'pw');
    // Act
    await api.advance(3600_000 - REFRESH_AHEAD_MS);
    await api.advance(3600_000 - REFRESH_AHEAD_MS);
    // Assess
    expect(api.calls.filter((c) => c.url === '/v1/auth/refresh').map((c) => c.body)).toEqual([
      { refreshToken: 'refresh-1' },
      { refreshToken: 'refresh-2' },
    ]);
  });

  it('refreshes once and retries a call that answered 401', async () => {
    // Prepare
    const api = scriptedApi({ unauthorizedFirst: true });
    const session = await Session.signIn(api.deps, 'ada@example.com', 'pw');
    // Act
    const result = await session.call('GET', '/v1/streams');
    // Assess
    expect(result).toEqual({ streams: [] });
    expect(api.calls.map((c) => c.url)).toEqual([
      '/v1/auth/login',
      '/v1/streams',
      '/v1/auth/refresh',
      '/v1/streams',
    ]);
    expect(api.calls.at(-1)!.authorization).toBe('Bearer access-2');
  });

  it('makes one refresh for calls that need it at the same time', async () => {
    // Prepare
    const api = scriptedApi();
    const session = await Session.signIn(api.deps, 'ada@example.com', 'pw');
    api.clock.now += 3600_000;
    // Act
    await Promise.all([
      session.call('GET', '/v1/a'),
      session.call('GET', '/v1/b'),
      session.call('GET', '/v1/c'),
    ]);
    // Assess
    expect(api.calls.filter((c) => c.url === '/v1/auth/refresh')).toHaveLength(1);
  });

  it('ends cleanly when the refresh token is refused: listeners told, stored token gone, calls refused', async () => {
    // Prepare
    const api = scriptedApi({ refuse: new Set(['refresh-1']) });
    const session = await Session.signIn(api.deps, 'ada@example.com', 'pw');
    const ended: string[] = [];
    session.onEnd((reason) => ended.push(reason));
    // Act
    await api.advance(3600_000 - REFRESH_AHEAD_MS);
    const call = session.call('GET', '/v1/streams');
    // Assess
    await expect(call).rejects.toBeInstanceOf(SessionEndedError);
    expect(ended).toEqual(['expired']);
    expect(session.isActive).toBe(false);
    expect(api.stored.token).toBeUndefined();
  });

  it('signs out on the server with the refresh token and ends the session', async () => {
    // Prepare
    const api = scriptedApi();
    const session = await Session.signIn(api.deps, 'ada@example.com', 'pw');
    const ended: string[] = [];
    session.onEnd((reason) => ended.push(reason));
    // Act
    await session.signOut();
    // Assess
    expect(api.calls.at(-1)).toMatchObject({ url: '/v1/auth/logout', body: { refreshToken: 'refresh-1' } });
    expect(ended).toEqual(['signed_out']);
    expect(api.stored.token).toBeUndefined();
  });

  it('resumes from a stored refresh token after a reload, and not from a refused one', async () => {
    // Prepare
    const api = scriptedApi({ refuse: new Set(['stale']) });
    api.stored.token = 'refresh-0';
    // Act
    const resumed = await Session.resume(api.deps);
    api.stored.token = 'stale';
    const refused = await Session.resume(api.deps);
    // Assess
    expect(resumed?.email).toBe('ada@example.com');
    expect(refused).toBeUndefined();
    expect(api.stored.token).toBeUndefined();
  });

  it('reports a wrong password as the API error', async () => {
    // Prepare
    const deps = {
      ...scriptedApi().deps,
      fetch: async () =>
        new Response(JSON.stringify({ error: { code: 'invalid_credentials', message: 'wrong' } }), {
          status: 401,
        }),
    };
    // Act
    const error = await Session.signIn(deps, 'a@b.c', 'x').catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
  });
});
