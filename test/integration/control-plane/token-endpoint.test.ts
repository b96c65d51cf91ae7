import { generateClientCredentials } from '../../../lambdas/core/client-secrets';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import {
  bodyOf,
  type ControlPlaneEnv,
  givenStream as givenStreamIn,
  httpEvent,
  startControlPlaneEnv,
} from './control-plane-env';

let env: ControlPlaneEnv;

beforeAll(async () => {
  env = await startControlPlaneEnv();
});

afterAll(async () => {
  await env.close();
});

const givenStream = (overrides: Partial<StreamRecord> = {}) => givenStreamIn(env, overrides);

const form = (params: Record<string, string>) =>
  httpEvent({
    method: 'POST',
    path: '/auth/token',
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

describe('client_credentials grant', () => {
  it('issues a stream token for form-encoded credentials', async () => {
    const { record, clientId, clientSecret } = await givenStream();
    const res = await env.token(
      form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    );
    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
      expires_at: expect.any(Number),
      refresh_token: expect.any(String),
      refresh_expires_in: 86400,
    });
    expect(res.headers?.['cache-control']).toBe('no-store');
    await expect(env.tokens.verifyStreamToken(body.access_token)).resolves.toEqual({
      clientId,
      accountId: record.accountId,
      stream: record.name,
      derived: false,
      billingId: await env.billingIds.find(record.accountId),
    });
  });

  it('accepts a JSON body', async () => {
    const { clientId, clientSecret } = await givenStream();
    const res = await env.token(
      httpEvent({
        method: 'POST',
        path: '/auth/token',
        body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
      }),
    );
    expect(res.statusCode).toBe(200);
  });

  it('accepts HTTP Basic credentials', async () => {
    const { clientId, clientSecret } = await givenStream();
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    const event = form({ grant_type: 'client_credentials' });
    event.headers.authorization = `Basic ${basic}`;
    expect((await env.token(event)).statusCode).toBe(200);
  });

  it('marks tokens of derived streams', async () => {
    const { clientId, clientSecret } = await givenStream({
      linkedStream: 'src',
      consentLevels: [0],
      consentLevelType: 'CUMULATIVE',
    });
    const res = await env.token(
      form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    );
    expect((await env.tokens.verifyStreamToken(bodyOf(res).access_token)).derived).toBe(true);
  });

  it('a wrong secret or an unknown client is 401 invalid_client', async () => {
    const { clientId } = await givenStream();
    const wrong = await env.token(
      form({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'nope' }),
    );
    expect(wrong.statusCode).toBe(401);
    expect(bodyOf(wrong)).toEqual({
      error: 'invalid_client',
      error_description: 'unknown client or wrong secret',
    });
    const unknown = await env.token(
      form({
        grant_type: 'client_credentials',
        client_id: generateClientCredentials().clientId,
        client_secret: 'x',
      }),
    );
    expect(bodyOf(unknown).error).toBe('invalid_client');
  });

  it('a wrong Basic secret is 401 with a WWW-Authenticate challenge', async () => {
    const { clientId } = await givenStream();
    const event = form({ grant_type: 'client_credentials' });
    event.headers.authorization = `Basic ${Buffer.from(`${clientId}:wrong`).toString('base64')}`;
    const res = await env.token(event);
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['www-authenticate']).toMatch(/^Basic/);
  });

  it('credentials of a deleted stream no longer work', async () => {
    const { record, clientId, clientSecret } = await givenStream();
    await env.streams.delete(record.accountId, record.name);
    const res = await env.token(
      form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    );
    expect(bodyOf(res).error).toBe('invalid_client');
  });

  it('missing client_id or client_secret is 400 invalid_request', async () => {
    const res = await env.token(form({ grant_type: 'client_credentials', client_id: 'ps-x' }));
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res)).toEqual({ error: 'invalid_request', error_description: 'client_secret is required' });
  });

  it('credentials in both the header and the body are 400 invalid_request', async () => {
    const { clientId, clientSecret } = await givenStream();
    const event = form({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    });
    event.headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    expect(bodyOf(await env.token(event)).error).toBe('invalid_request');
  });
});

describe('request errors', () => {
  it('a missing grant_type is 400 invalid_request', async () => {
    const res = await env.token(form({}));
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toBe('invalid_request');
  });

  it('an unknown grant_type is 400 unsupported_grant_type', async () => {
    const res = await env.token(form({ grant_type: 'password' }));
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toBe('unsupported_grant_type');
  });

  it('malformed JSON is 400 invalid_request and the endpoint keeps serving', async () => {
    const res = await env.token(
      httpEvent({
        method: 'POST',
        path: '/auth/token',
        body: '{"grant_type":',
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toBe('invalid_request');
    const { clientId, clientSecret } = await givenStream();
    const ok = await env.token(
      form({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    );
    expect(ok.statusCode).toBe(200);
  });

  it('a repeated form parameter is 400 invalid_request', async () => {
    const event = httpEvent({
      method: 'POST',
      path: '/auth/token',
      body: 'grant_type=client_credentials&grant_type=refresh_token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(bodyOf(await env.token(event)).error).toBe('invalid_request');
  });
});

describe('refresh_token grant', () => {
  async function tokensFor(stream: Awaited<ReturnType<typeof givenStream>>) {
    const res = await env.token(
      form({
        grant_type: 'client_credentials',
        client_id: stream.clientId,
        client_secret: stream.clientSecret,
      }),
    );
    return bodyOf(res) as { access_token: string; refresh_token: string };
  }

  it('issues new tokens for a valid refresh token', async () => {
    const stream = await givenStream();
    const { refresh_token } = await tokensFor(stream);
    const res = await env.token(form({ grant_type: 'refresh_token', refresh_token }));
    expect(res.statusCode).toBe(200);
    expect((await env.tokens.verifyStreamToken(bodyOf(res).access_token)).clientId).toBe(stream.clientId);
  });

  it('an access token is not a refresh token: 400 invalid_grant', async () => {
    const { access_token } = await tokensFor(await givenStream());
    const res = await env.token(form({ grant_type: 'refresh_token', refresh_token: access_token }));
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toBe('invalid_grant');
  });

  it('fails once the stream (and its credential) is deleted', async () => {
    const stream = await givenStream();
    const { refresh_token } = await tokensFor(stream);
    await env.streams.delete(stream.record.accountId, stream.record.name);
    const res = await env.token(form({ grant_type: 'refresh_token', refresh_token }));
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res)).toEqual({
      error: 'invalid_grant',
      error_description: 'the client of this refresh_token no longer exists',
    });
  });

  it('a missing refresh_token is 400 invalid_request', async () => {
    expect(bodyOf(await env.token(form({ grant_type: 'refresh_token' }))).error).toBe('invalid_request');
  });
});
