import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  clickEvent,
  createStream,
  eventually,
  request,
  sendEvent,
  signedInUser,
  streamToken,
  streamTokenAnswer,
  subscribe,
} from '../support/stack-api';

/**
 * The auth and revocation matrix of issue 8 against a running local stack (every function in its worker,
 * the real gateway, emulators and pollers): revoked sockets, a stream created again, a deleted
 * credential, logout, refresh-token reuse, password change and brute force.
 */
const PASSWORD = 'security matrix passphrase';
let stack: LocalStack;
let dataDir: string;
let user: { accessToken: string; refreshToken: string };
let userCount = 0;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  dataDir = mkdtempSync(join(tmpdir(), 'ps-security-'));
  stack = await startLocalStack({ port: 0, dataDir, quiet: true, log: () => undefined });
  user = await signedInUser(stack.apiUrl, 'owner@example.com', PASSWORD);
});

afterAll(async () => {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const api = (path: string) => `${stack.apiUrl}${path}`;

describe('revocation', () => {
  it('deleting a stream recursively closes the subscribers of the stream and of its derived streams', async () => {
    // Prepare
    const source = await createStream(stack.apiUrl, user.accessToken, { name: 'doomed' });
    const derived = await createStream(stack.apiUrl, user.accessToken, {
      linkedStream: 'doomed',
      consentLevels: [0],
    });
    const onSource = await subscribe(stack.wsUrl, await streamToken(stack.apiUrl, source));
    const onDerived = await subscribe(stack.wsUrl, await streamToken(stack.apiUrl, derived));
    // Act
    const deleted = await request(api('/v1/streams/doomed?recursive=true'), {
      method: 'DELETE',
      token: user.accessToken,
    });
    // Assess
    expect(deleted.status).toBe(200);
    await Promise.all([onSource.closed, onDerived.closed]);
  });

  it('a stream deleted and created again refuses the old tokens and never reaches an old subscriber', async () => {
    // Prepare
    const old = await createStream(stack.apiUrl, user.accessToken, { name: 'reborn' });
    const oldToken = await streamToken(stack.apiUrl, old);
    const oldSubscriber = await subscribe(stack.wsUrl, oldToken);
    await request(api('/v1/streams/reborn'), { method: 'DELETE', token: user.accessToken });
    await oldSubscriber.closed;
    const fresh = await createStream(stack.apiUrl, user.accessToken, { name: 'reborn' });
    const freshToken = await streamToken(stack.apiUrl, fresh);
    const newSubscriber = await subscribe(stack.wsUrl, freshToken);
    // Act
    const produced = await sendEvent(stack.apiUrl, freshToken, clickEvent('s-1', 'after-rebirth'));
    const oldProduces = await sendEvent(stack.apiUrl, oldToken, clickEvent('s-1', 'old-token'));
    const oldSubscribes = await subscribe(stack.wsUrl, oldToken).catch((err: Error) => err);
    // Assess
    expect(produced.status).toBe(204);
    expect(oldProduces.status).toBe(401);
    expect((oldSubscribes as Error).message).toMatch(/status 40[13]/);
    await eventually(() => newSubscriber.frames.length === 1, 'the event at the new subscriber');
    expect(oldSubscriber.frames).toEqual([]);
    newSubscriber.ws.close();
  });

  it('deleting a credential ends its subscribers and refuses its tokens at once; the other credential keeps working', async () => {
    // Prepare
    const first = await createStream(stack.apiUrl, user.accessToken, { name: 'two-keys' });
    const added = await request(api('/v1/streams/two-keys/credentials'), {
      method: 'POST',
      token: user.accessToken,
    });
    expect(added.status).toBe(201);
    const second = added.body.credentials;
    const secondToken = await streamToken(stack.apiUrl, second);
    const firstToken = await streamToken(stack.apiUrl, first);
    const secondSubscriber = await subscribe(stack.wsUrl, secondToken);
    const firstSubscriber = await subscribe(stack.wsUrl, firstToken);
    // Act
    const deleted = await request(api(`/v1/streams/two-keys/credentials/${second.clientId}`), {
      method: 'DELETE',
      token: user.accessToken,
    });
    // Assess
    expect(deleted.status).toBe(204);
    await secondSubscriber.closed;
    expect((await sendEvent(stack.apiUrl, secondToken, clickEvent('s-2', 'revoked'))).status).toBe(401);
    expect((await streamTokenAnswer(stack.apiUrl, second)).status).toBe(401);
    expect((await sendEvent(stack.apiUrl, firstToken, clickEvent('s-2', 'kept'))).status).toBe(204);
    await eventually(() => firstSubscriber.frames.length === 1, 'the event at the remaining subscriber');
    expect(secondSubscriber.frames).toEqual([]);
    firstSubscriber.ws.close();
  });

  it('an unknown credential of a stream is a 404', async () => {
    // Prepare
    await createStream(stack.apiUrl, user.accessToken, { name: 'one-key' });
    // Act
    const res = await request(api('/v1/streams/one-key/credentials/ps-00000000000000000000000000000000'), {
      method: 'DELETE',
      token: user.accessToken,
    });
    // Assess
    expect(res.status).toBe(404);
  });
});

describe('crypto-shredding', () => {
  it('a deleted key link is no longer used: a second later the same session gets a new key link', async () => {
    // Prepare
    const source = await createStream(stack.apiUrl, user.accessToken, { name: 'shredded' });
    const token = await streamToken(stack.apiUrl, source);
    const watcher = await subscribe(stack.wsUrl, token);
    await sendEvent(stack.apiUrl, token, clickEvent('session-x', 'before'));
    await eventually(() => watcher.frames.length === 1, 'the first event');
    const keyLinkOf = (frame: unknown) => (frame as { strmMeta: { keyLink: string } }).strmMeta.keyLink;
    const first = keyLinkOf(watcher.frames[0]);
    // Act
    const deleted = await request(api(`/v1/key-links/${first}`), {
      method: 'DELETE',
      token: user.accessToken,
    });
    await new Promise((r) => setTimeout(r, 1500));
    await sendEvent(stack.apiUrl, token, clickEvent('session-x', 'after'));
    // Assess
    expect(deleted.status).toBe(204);
    await eventually(() => watcher.frames.length === 2, 'the second event');
    expect(keyLinkOf(watcher.frames[1])).not.toBe(first);
    expect((await request(api(`/v1/key-links/${first}`), { token: user.accessToken })).status).toBe(404);
    watcher.ws.close();
  });
});

describe('sessions', () => {
  async function freshUser() {
    const email = `user-${++userCount}@example.com`;
    return { email, ...(await signedInUser(stack.apiUrl, email, PASSWORD)) };
  }
  const me = (token: string) => request(api('/v1/me'), { token });

  it('logout ends the session on the server: refresh and access tokens stop working', async () => {
    // Prepare
    const s = await freshUser();
    // Act
    const out = await request(api('/v1/auth/logout'), { body: { refreshToken: s.refreshToken } });
    // Assess
    expect(out.status).toBe(204);
    expect((await request(api('/v1/auth/refresh'), { body: { refreshToken: s.refreshToken } })).status).toBe(
      401,
    );
    expect((await me(s.accessToken)).status).toBe(401);
  });

  it('a refresh token used twice revokes the whole session family', async () => {
    // Prepare
    const s = await freshUser();
    const rotated = await request(api('/v1/auth/refresh'), { body: { refreshToken: s.refreshToken } });
    expect(rotated.status).toBe(200);
    // Act
    const reused = await request(api('/v1/auth/refresh'), { body: { refreshToken: s.refreshToken } });
    // Assess
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe('invalid_token');
    expect(
      (await request(api('/v1/auth/refresh'), { body: { refreshToken: rotated.body.refreshToken } })).status,
    ).toBe(401);
    expect((await me(rotated.body.accessToken)).status).toBe(401);
  });

  it('a password change revokes every session of the user', async () => {
    // Prepare
    const s = await freshUser();
    const other = await request(api('/v1/auth/login'), { body: { email: s.email, password: PASSWORD } });
    // Act
    const changed = await request(api('/v1/auth/password'), {
      token: s.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'an entirely new passphrase' },
    });
    // Assess
    expect(changed.status).toBe(204);
    expect((await me(s.accessToken)).status).toBe(401);
    expect((await me(other.body.accessToken)).status).toBe(401);
    expect(
      (await request(api('/v1/auth/refresh'), { body: { refreshToken: other.body.refreshToken } })).status,
    ).toBe(401);
  });
});

describe('brute force', () => {
  it('answers 429 too_many_attempts with Retry-After after a few wrong passwords, before checking the password', async () => {
    // Prepare
    await signedInUser(stack.apiUrl, 'target@example.com', PASSWORD);
    const attempt = (password: string) =>
      request(api('/v1/auth/login'), { body: { email: 'target@example.com', password } });
    for (let i = 0; i < 6; i++) expect((await attempt(`wrong guess ${i}`)).status).toBe(401);
    // Act
    const refused = await attempt(PASSWORD);
    // Assess
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.body.error.code).toBe('too_many_attempts');
  });

  it('refuses common passwords and the email itself at sign-up', async () => {
    for (const password of ['password', '12345678', '        ', 'weak@example.com']) {
      // Act
      const res = await request(api('/v1/accounts'), { body: { email: 'weak@example.com', password } });
      // Assess
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('weak_password');
    }
  });
});
