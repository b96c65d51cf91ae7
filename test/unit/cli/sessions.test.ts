import { readSavedLogin } from '../../../cli/user-session';
import { localContextDir, runStrm } from './run-cli';
import { closedPortUrl } from './scripted-api';
import { scriptedCli, signIn } from './scripted-cli';

const cli = scriptedCli();

function loggedIn(expiresInSeconds = 3600): void {
  signIn(cli, { expiresAt: Math.floor(Date.now() / 1000) + expiresInSeconds });
}

const loginAnswer = (n: number) => ({
  status: 200,
  body: {
    accessToken: `access-${n}`,
    refreshToken: `refresh-${n}`,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    accountId: 'acc-1',
    email: 'you@example.com',
  },
});

describe('strm auth logout', () => {
  it('ends the session on the server with the saved refresh token, then forgets it', async () => {
    // Prepare
    loggedIn();
    cli.api.on('POST /v1/auth/logout', { status: 204 });
    // Act
    const result = await runStrm(['auth', 'logout'], { env: cli.env });
    // Assess
    expect(result).toMatchObject({ code: 0, stdout: `Logged out from ${cli.apiUrl}\n` });
    expect(JSON.parse(cli.api.requestsTo('POST /v1/auth/logout')[0].body)).toEqual({
      refreshToken: 'user-refresh',
    });
    expect(readSavedLogin(localContextDir(cli.dir), cli.apiUrl)).toBeUndefined();
  });

  it('logs out locally, exit 0, from a stack without server-side logout (404)', async () => {
    // Prepare
    loggedIn();
    // Act
    const result = await runStrm(['auth', 'logout'], { env: cli.env });
    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Logged out locally from ${cli.apiUrl}: this stack has no server-side logout, so the session's refresh token ` +
        'stays valid until it expires\n',
    );
    expect(readSavedLogin(localContextDir(cli.dir), cli.apiUrl)).toBeUndefined();
  });

  it('keeps the login and says what to do when the stack cannot be reached', async () => {
    // Prepare
    const closedUrl = await closedPortUrl();
    cli.apiUrl = closedUrl;
    loggedIn();
    // Act
    const result = await runStrm(['auth', 'logout'], { env: { ...cli.env, STRM_API_URL: closedUrl } });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the login is kept');
    expect(result.stderr).toContain('strm auth logout --local');
    expect(readSavedLogin(localContextDir(cli.dir), closedUrl)).toBeDefined();
  });

  it('with --local only forgets the tokens on this machine', async () => {
    // Prepare
    loggedIn();
    // Act
    const result = await runStrm(['auth', 'logout', '--local'], { env: cli.env });
    // Assess
    expect(result.code).toBe(0);
    expect(cli.api.requests).toHaveLength(0);
    expect(readSavedLogin(localContextDir(cli.dir), cli.apiUrl)).toBeUndefined();
  });
});

describe('strm auth change-password', () => {
  it('sends the current and the new password, then logs in again with the new one', async () => {
    // Prepare
    loggedIn();
    cli.api.on('POST /v1/auth/password', { status: 204 });
    cli.api.on('POST /v1/auth/login', loginAnswer(2));
    // Act
    const result = await runStrm(['auth', 'change-password'], {
      env: { ...cli.env, STRM_PASSWORD: 'old password', STRM_NEW_PASSWORD: 'new password' },
    });
    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(cli.api.requestsTo('POST /v1/auth/password')[0].body)).toEqual({
      currentPassword: 'old password',
      newPassword: 'new password',
    });
    expect(JSON.parse(cli.api.requestsTo('POST /v1/auth/login')[0].body).password).toBe('new password');
    expect(readSavedLogin(localContextDir(cli.dir), cli.apiUrl)?.accessToken).toBe('access-2');
  });

  it('reads both passwords from two lines of piped stdin', async () => {
    // Prepare
    loggedIn();
    cli.api.on('POST /v1/auth/password', { status: 204 });
    cli.api.on('POST /v1/auth/login', loginAnswer(2));
    // Act
    const result = await runStrm(['auth', 'change-password'], { env: cli.env, stdin: 'old one\nnew one\n' });
    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(cli.api.requestsTo('POST /v1/auth/password')[0].body)).toEqual({
      currentPassword: 'old one',
      newPassword: 'new one',
    });
  });
});

describe('refreshing the login (the server rotates refresh tokens)', () => {
  it('refreshes once for two commands that find it expired at the same time', async () => {
    // Prepare
    loggedIn(-10);
    let refreshes = 0;
    cli.api.on('POST /v1/auth/refresh', () => loginAnswer(++refreshes));
    cli.api.on('GET /v1/streams', { status: 200, body: { streams: [] } });
    // Act
    const results = await Promise.all([
      runStrm(['list', 'streams'], { env: cli.env }),
      runStrm(['list', 'streams'], { env: cli.env }),
      runStrm(['list', 'streams'], { env: cli.env }),
    ]);
    // Assess
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(cli.api.requestsTo('POST /v1/auth/refresh')).toHaveLength(1);
    expect(JSON.parse(cli.api.requestsTo('POST /v1/auth/refresh')[0].body)).toEqual({
      refreshToken: 'user-refresh',
    });
    expect(readSavedLogin(localContextDir(cli.dir), cli.apiUrl)?.refreshToken).toBe('refresh-1');
  });
});

describe('strm auth login and signup messages', () => {
  it('says when there were too many failed logins and how long to wait', async () => {
    // Prepare
    cli.api.on('POST /v1/auth/login', () => ({
      status: 429,
      headers: { 'retry-after': '30' },
      body: { error: { code: 'too_many_attempts', message: 'too many failed logins' } },
    }));
    // Act
    const result = await runStrm(['auth', 'login', 'you@example.com'], {
      env: { ...cli.env, STRM_PASSWORD: 'pw' },
    });
    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr: 'Error: Too many failed logins for you@example.com: try again in 30 s\n',
    });
  });

  it('on a deployed stack with closed sign-up, says how to join an account', async () => {
    // Prepare
    cli.api.on('POST /v1/accounts', {
      status: 403,
      body: { error: { code: 'signup_closed', message: 'sign-up is closed' } },
    });
    // Act
    const result = await runStrm(['auth', 'signup', 'bob@example.com'], {
      env: { ...cli.env, STRM_PASSWORD: 'pw' },
    });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ask one of its users to run: strm create user bob@example.com');
  });
});
