import * as fs from 'node:fs';
import { readSavedLogin, writeSavedLogin } from '../../../cli/user-session';
import { localContextDir, runStrm, tempConfigDir } from './run-cli';
import { closedPortUrl, ScriptedApi } from './scripted-api';

let api: ScriptedApi;
let apiUrl: string;
let dir: string;
let env: NodeJS.ProcessEnv;

function loggedIn(expiresInSeconds = 3600): void {
  writeSavedLogin(localContextDir(dir), {
    email: 'you@example.com',
    accountId: 'acc-1',
    apiUrl,
    accessToken: 'user-access',
    refreshToken: 'user-refresh',
    expiresAt: Math.floor(Date.now() / 1000) + expiresInSeconds,
  });
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

beforeEach(async () => {
  api = new ScriptedApi();
  apiUrl = await api.start();
  dir = tempConfigDir();
  env = { STRM_CONFIG_PATH: dir, STRM_API_URL: apiUrl };
});
afterEach(async () => {
  await api.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('strm auth logout', () => {
  it('ends the session on the server with the saved refresh token, then forgets it', async () => {
    // Prepare
    loggedIn();
    api.on('POST /v1/auth/logout', { status: 204 });
    // Act
    const result = await runStrm(['auth', 'logout'], { env });
    // Assess
    expect(result).toMatchObject({ code: 0, stdout: `Logged out from ${apiUrl}\n` });
    expect(JSON.parse(api.requestsTo('POST /v1/auth/logout')[0].body)).toEqual({
      refreshToken: 'user-refresh',
    });
    expect(readSavedLogin(localContextDir(dir), apiUrl)).toBeUndefined();
  });

  it('logs out locally, exit 0, from a stack without server-side logout (404)', async () => {
    // Prepare
    loggedIn();
    // Act
    const result = await runStrm(['auth', 'logout'], { env });
    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Logged out locally from ${apiUrl}: this stack has no server-side logout, so the session's refresh token ` +
        'stays valid until it expires\n',
    );
    expect(readSavedLogin(localContextDir(dir), apiUrl)).toBeUndefined();
  });

  it('keeps the login and says what to do when the stack cannot be reached', async () => {
    // Prepare
    const closedUrl = await closedPortUrl();
    apiUrl = closedUrl;
    loggedIn();
    // Act
    const result = await runStrm(['auth', 'logout'], { env: { ...env, STRM_API_URL: closedUrl } });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the login is kept');
    expect(result.stderr).toContain('strm auth logout --local');
    expect(readSavedLogin(localContextDir(dir), closedUrl)).toBeDefined();
  });

  it('with --local only forgets the tokens on this machine', async () => {
    // Prepare
    loggedIn();
    // Act
    const result = await runStrm(['auth', 'logout', '--local'], { env });
    // Assess
    expect(result.code).toBe(0);
    expect(api.requests).toHaveLength(0);
    expect(readSavedLogin(localContextDir(dir), apiUrl)).toBeUndefined();
  });
});

describe('strm auth change-password', () => {
  it('sends the current and the new password, then logs in again with the new one', async () => {
    // Prepare
    loggedIn();
    api.on('POST /v1/auth/password', { status: 204 });
    api.on('POST /v1/auth/login', loginAnswer(2));
    // Act
    const result = await runStrm(['auth', 'change-password'], {
      env: { ...env, STRM_PASSWORD: 'old password', STRM_NEW_PASSWORD: 'new password' },
    });
    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(api.requestsTo('POST /v1/auth/password')[0].body)).toEqual({
      currentPassword: 'old password',
      newPassword: 'new password',
    });
    expect(JSON.parse(api.requestsTo('POST /v1/auth/login')[0].body).password).toBe('new password');
    expect(readSavedLogin(localContextDir(dir), apiUrl)?.accessToken).toBe('access-2');
  });

  it('reads both passwords from two lines of piped stdin', async () => {
    // Prepare
    loggedIn();
    api.on('POST /v1/auth/password', { status: 204 });
    api.on('POST /v1/auth/login', loginAnswer(2));
    // Act
    const result = await runStrm(['auth', 'change-password'], { env, stdin: 'old one\nnew one\n' });
    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(api.requestsTo('POST /v1/auth/password')[0].body)).toEqual({
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
    api.on('POST /v1/auth/refresh', () => loginAnswer(++refreshes));
    api.on('GET /v1/streams', { status: 200, body: { streams: [] } });
    // Act
    const results = await Promise.all([
      runStrm(['list', 'streams'], { env }),
      runStrm(['list', 'streams'], { env }),
      runStrm(['list', 'streams'], { env }),
    ]);
    // Assess
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(api.requestsTo('POST /v1/auth/refresh')).toHaveLength(1);
    expect(JSON.parse(api.requestsTo('POST /v1/auth/refresh')[0].body)).toEqual({
      refreshToken: 'user-refresh',
    });
    expect(readSavedLogin(localContextDir(dir), apiUrl)?.refreshToken).toBe('refresh-1');
  });
});

describe('strm auth login and signup messages', () => {
  it('says when there were too many failed logins and how long to wait', async () => {
    // Prepare
    api.on('POST /v1/auth/login', () => ({
      status: 429,
      headers: { 'retry-after': '30' },
      body: { error: { code: 'too_many_attempts', message: 'too many failed logins' } },
    }));
    // Act
    const result = await runStrm(['auth', 'login', 'you@example.com'], {
      env: { ...env, STRM_PASSWORD: 'pw' },
    });
    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr: 'Error: Too many failed logins for you@example.com: try again in 30 s\n',
    });
  });

  it('on a deployed stack with closed sign-up, says how to join an account', async () => {
    // Prepare
    api.on('POST /v1/accounts', {
      status: 403,
      body: { error: { code: 'signup_closed', message: 'sign-up is closed' } },
    });
    // Act
    const result = await runStrm(['auth', 'signup', 'bob@example.com'], {
      env: { ...env, STRM_PASSWORD: 'pw' },
    });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ask one of its users to run: strm create user bob@example.com');
  });
});
