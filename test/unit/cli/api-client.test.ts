import * as fs from 'node:fs';
import { ApiClient, ApiError, UnreachableError } from '../../../cli/api-client';
import { StreamTokenProvider } from '../../../cli/stream-token';
import { NotLoggedInError, readSavedLogin, UserSession, writeSavedLogin } from '../../../cli/user-session';
import { tempConfigDir } from './run-cli';
import { closedPortUrl, ScriptedApi } from './scripted-api';

let api: ScriptedApi;
let apiUrl: string;

beforeEach(async () => {
  api = new ScriptedApi();
  apiUrl = await api.start();
});
afterEach(() => api.close());

describe('API error mapping', () => {
  it('uses the message of a management error body', async () => {
    api.on('POST /v1/streams', {
      status: 409,
      body: { error: { code: 'conflict', message: 'stream winston-0 already exists' } },
    });
    const error = await new ApiClient({ apiUrl })
      .createStream('t', { name: 'winston-0' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 409,
      code: 'conflict',
      message: 'stream winston-0 already exists',
    });
  });

  it('uses error_description of an OAuth2 error', async () => {
    api.on('POST /auth/token', {
      status: 401,
      body: { error: 'invalid_client', error_description: 'unknown client' },
    });
    await expect(new ApiClient({ apiUrl }).streamToken('id', 'secret')).rejects.toMatchObject({
      status: 401,
      code: 'invalid_client',
      message: 'unknown client',
    });
  });

  it('uses a text body as the message', async () => {
    api.on('GET /v1/me', { status: 502, text: 'Bad Gateway' });
    await expect(new ApiClient({ apiUrl }).me('t')).rejects.toMatchObject({
      status: 502,
      message: 'Bad Gateway',
    });
  });

  it('reports a closed port as unreachable, with the npm start hint for the local stack', async () => {
    const closedUrl = await closedPortUrl();
    const error = await new ApiClient({ apiUrl: closedUrl }).me('t').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreachableError);
    expect((error as Error).message).toBe(
      `Cannot reach ${closedUrl}: is the local stack running? Start it with: npm start`,
    );
  });
});

describe('API requests', () => {
  it('send the stream token request form-encoded', async () => {
    api.on('POST /auth/token', {
      status: 200,
      body: { access_token: 'a', token_type: 'Bearer', expires_in: 900 },
    });
    await new ApiClient({ apiUrl }).streamToken('my id', 's3cr=t');
    const [request] = api.requestsTo('POST /auth/token');
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'my id',
      client_secret: 's3cr=t',
    });
  });

  it('send events with the bearer token, schema ref and JSON serialization headers', async () => {
    api.on('POST /event', { status: 204 });
    const result = await new ApiClient({ apiUrl }).sendEvent('tok', 'streammachine/clickstream/1.0.0', {
      a: 1,
    });
    expect(result.status).toBe(204);
    const [request] = api.requestsTo('POST /event');
    expect(request.headers).toMatchObject({
      authorization: 'Bearer tok',
      'strm-schema-ref': 'streammachine/clickstream/1.0.0',
      'strm-serialization-type': 'application/json',
      'content-type': 'application/json',
    });
    expect(JSON.parse(request.body)).toEqual({ a: 1 });
  });

  it('delete recursively with ?recursive=true', async () => {
    api.on('DELETE /v1/streams/winston', { status: 200, body: { deleted: ['winston', 'winston-0'] } });
    await new ApiClient({ apiUrl }).deleteStream('t', 'winston', true);
    expect(api.requestsTo('DELETE /v1/streams/winston')[0].url).toBe('/v1/streams/winston?recursive=true');
  });
});

describe('stream tokens', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  function scriptTokens(refreshStatus = 200) {
    let issued = 0;
    api.on('POST /auth/token', (request) => {
      const form = new URLSearchParams(request.body);
      if (form.get('grant_type') === 'refresh_token' && refreshStatus !== 200) {
        return { status: refreshStatus, body: { error: 'invalid_grant', error_description: 'expired' } };
      }
      issued += 1;
      return {
        status: 200,
        body: {
          access_token: `access-${issued}`,
          token_type: 'Bearer',
          expires_in: 900,
          refresh_token: `refresh-${issued}`,
        },
      };
    });
  }

  const grants = () =>
    api.requestsTo('POST /auth/token').map((r) => new URLSearchParams(r.body).get('grant_type'));

  it('are fetched once with client credentials and then reused', async () => {
    scriptTokens();
    const tokens = new StreamTokenProvider(new ApiClient({ apiUrl }), 'id', 'secret', clock);
    expect(await tokens.getToken()).toBe('access-1');
    now += 800_000;
    expect(await tokens.getToken()).toBe('access-1');
    expect(grants()).toEqual(['client_credentials']);
  });

  it('are renewed with the refresh token within 60 s of expiry', async () => {
    scriptTokens();
    const tokens = new StreamTokenProvider(new ApiClient({ apiUrl }), 'id', 'secret', clock);
    await tokens.getToken();
    now += 841_000;
    expect(await tokens.getToken()).toBe('access-2');
    expect(grants()).toEqual(['client_credentials', 'refresh_token']);
    expect(new URLSearchParams(api.requestsTo('POST /auth/token')[1].body).get('refresh_token')).toBe(
      'refresh-1',
    );
  });

  it('fall back to client credentials when the refresh fails', async () => {
    scriptTokens(400);
    const tokens = new StreamTokenProvider(new ApiClient({ apiUrl }), 'id', 'secret', clock);
    await tokens.getToken();
    now += 900_000;
    expect(await tokens.getToken()).toBe('access-2');
    expect(grants()).toEqual(['client_credentials', 'refresh_token', 'client_credentials']);
  });

  it('share one request between concurrent callers', async () => {
    scriptTokens();
    const tokens = new StreamTokenProvider(new ApiClient({ apiUrl }), 'id', 'secret', clock);
    expect(await Promise.all([tokens.getToken(), tokens.getToken()])).toEqual(['access-1', 'access-1']);
    expect(grants()).toEqual(['client_credentials']);
  });
});

describe('user session', () => {
  let dir: string;
  const nowS = 2_000_000_000;

  beforeEach(() => {
    dir = tempConfigDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function login(expiresAt: number) {
    writeSavedLogin(dir, {
      email: 'you@example.com',
      accountId: 'acc-1',
      apiUrl,
      accessToken: 'old-access',
      refreshToken: 'old-refresh',
      expiresAt,
    });
  }

  function scriptRefresh() {
    api.on('POST /v1/auth/refresh', (request) =>
      JSON.parse(request.body).refreshToken === 'old-refresh'
        ? {
            status: 200,
            body: {
              accessToken: 'new-access',
              refreshToken: 'new-refresh',
              expiresAt: nowS + 3600,
              accountId: 'acc-1',
              email: 'you@example.com',
            },
          }
        : { status: 401, body: { error: { code: 'unauthorized', message: 'invalid refresh token' } } },
    );
  }

  it('uses the saved access token while it is valid', async () => {
    login(nowS + 3600);
    const session = new UserSession(new ApiClient({ apiUrl }), dir, () => nowS * 1000);
    expect(await session.call(async (token) => token)).toBe('old-access');
  });

  it('refreshes an expired access token and saves the new tokens', async () => {
    login(nowS - 1);
    scriptRefresh();
    const session = new UserSession(new ApiClient({ apiUrl }), dir, () => nowS * 1000);
    expect(await session.call(async (token) => token)).toBe('new-access');
    expect(readSavedLogin(dir, apiUrl)).toMatchObject({
      accessToken: 'new-access',
      refreshToken: 'new-refresh',
    });
  });

  it('refreshes once and retries when the API rejects the access token', async () => {
    login(nowS + 3600);
    scriptRefresh();
    api.on('GET /v1/me', (request) =>
      request.headers.authorization === 'Bearer new-access'
        ? { status: 200, body: { accountId: 'acc-1', email: 'you@example.com' } }
        : { status: 401, body: { error: { code: 'unauthorized', message: 'token expired' } } },
    );
    const client = new ApiClient({ apiUrl });
    const session = new UserSession(client, dir, () => nowS * 1000);
    expect(await session.call((token) => client.me(token))).toEqual({
      accountId: 'acc-1',
      email: 'you@example.com',
    });
  });

  it('asks to log in again when the refresh token is rejected', async () => {
    writeSavedLogin(dir, {
      email: 'you@example.com',
      accountId: 'acc-1',
      apiUrl,
      accessToken: 'a',
      refreshToken: 'revoked',
      expiresAt: nowS - 1,
    });
    scriptRefresh();
    const session = new UserSession(new ApiClient({ apiUrl }), dir, () => nowS * 1000);
    await expect(session.call(async (token) => token)).rejects.toThrow(
      new NotLoggedInError('Your login has expired: run strm auth login you@example.com'),
    );
  });

  it('says to log in when there is no saved login', async () => {
    const session = new UserSession(new ApiClient({ apiUrl }), dir);
    await expect(session.call(async (token) => token)).rejects.toBeInstanceOf(NotLoggedInError);
  });
});
