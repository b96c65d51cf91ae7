import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { AccountsRepo } from '../../../lambdas/aws/accounts-repo';
import { SIGNING_KEY_ID } from '../../../lambdas/aws/system-secrets';
import { KeyLinkResolver } from '../../../lambdas/core/key-links';
import { keyedHash } from '../../../lambdas/core/keyed-hash';
import { TinkDeterministicAead } from '../../../lambdas/core/tink-daead';
import { fromTinkJsonKeyset } from '../../../lambdas/core/tink-keyset';
import { TokenService } from '../../../lambdas/core/tokens';
import { testScope } from '../../support/key-link-scopes';
import { bodyOf, type ControlPlaneEnv, httpEvent, ISSUER, startControlPlaneEnv } from './control-plane-env';

let env: ControlPlaneEnv;
let api: ReturnType<ControlPlaneEnv['management']>;

beforeAll(async () => {
  env = await startControlPlaneEnv();
  api = env.management();
});

afterAll(async () => {
  await env.close();
});

const uniqueEmail = () => `user-${randomUUID()}@example.com`;

async function signUp(email = uniqueEmail(), password = 'correct horse') {
  const res = await api(httpEvent({ method: 'POST', path: '/v1/accounts', body: { email, password } }));
  expect(res.statusCode).toBe(201);
  return { ...bodyOf(res), password } as { accountId: string; email: string; password: string };
}

async function newUser() {
  const account = await signUp();
  const res = await api(
    httpEvent({
      method: 'POST',
      path: '/v1/auth/login',
      body: { email: account.email, password: account.password },
    }),
  );
  expect(res.statusCode).toBe(200);
  return {
    ...account,
    token: bodyOf(res).accessToken as string,
    refreshToken: bodyOf(res).refreshToken as string,
  };
}

async function createStream(token: string, body: object) {
  return api(httpEvent({ method: 'POST', path: '/v1/streams', token, body }));
}

async function scanAll(table: string) {
  const result = await env.doc.send(new ScanCommand({ TableName: table }));
  return result.Items ?? [];
}

describe('accounts and login', () => {
  it('sign-up answers 201 with the account id and the normalised email', async () => {
    const email = `Ada-${randomUUID()}@Example.com`;
    const res = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/accounts',
        body: { email, password: 'a long enough password' },
      }),
    );
    expect(res.statusCode).toBe(201);
    const created = bodyOf(res);
    expect(created).toEqual({
      accountId: expect.any(String),
      email: email.toLowerCase(),
      billingId: await env.billingIds.find(created.accountId),
    });
  });

  it('stores a salted scrypt hash, never the password', async () => {
    const account = await signUp(uniqueEmail(), 'a very secret password');
    const items = await scanAll(env.tables.accounts);
    // The user's login item (the account's billing-id item has the same accountId).
    const item = items.find((i) => i.accountId === account.accountId && String(i.pk).startsWith('email#'));
    expect(item?.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(JSON.stringify(items)).not.toContain('a very secret password');
  });

  it('refuses a second account with the same email (any case) with 409', async () => {
    const account = await signUp();
    const res = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/accounts',
        body: { email: account.email.toUpperCase(), password: 'a long enough password' },
      }),
    );
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.code).toBe('conflict');
  });

  it('rejects a short password with 400 naming the field', async () => {
    const res = await api(
      httpEvent({ method: 'POST', path: '/v1/accounts', body: { email: uniqueEmail(), password: 'short' } }),
    );
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.message).toBe('password must be at least 8 characters');
  });

  it('login returns tokens, expiry and the account', async () => {
    const account = await signUp();
    const res = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/auth/login',
        body: { email: account.email, password: account.password },
      }),
    );
    const body = bodyOf(res);
    expect(body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresAt: expect.any(Number),
      accountId: account.accountId,
      email: account.email,
      billingId: await env.billingIds.find(account.accountId),
    });
    expect(body.expiresAt).toBeGreaterThan(Date.now() / 1000 + 3500);
  });

  it('login with a wrong password or an unknown email is the same 401', async () => {
    const account = await signUp();
    const wrong = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/auth/login',
        body: { email: account.email, password: 'wrong password' },
      }),
    );
    const unknown = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/auth/login',
        body: { email: uniqueEmail(), password: 'wrong password' },
      }),
    );
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(bodyOf(wrong)).toEqual(bodyOf(unknown));
  });

  it('refresh exchanges a refresh token for new tokens; an access token is not a refresh token', async () => {
    const user = await newUser();
    const ok = await api(
      httpEvent({ method: 'POST', path: '/v1/auth/refresh', body: { refreshToken: user.refreshToken } }),
    );
    expect(ok.statusCode).toBe(200);
    expect(bodyOf(ok).accountId).toBe(user.accountId);
    const wrong = await api(
      httpEvent({ method: 'POST', path: '/v1/auth/refresh', body: { refreshToken: user.token } }),
    );
    expect(wrong.statusCode).toBe(401);
  });

  it('GET /v1/me answers the caller', async () => {
    const user = await newUser();
    const res = await api(httpEvent({ method: 'GET', path: '/v1/me', token: user.token }));
    expect(bodyOf(res)).toEqual({
      accountId: user.accountId,
      email: user.email,
      billingId: await env.billingIds.find(user.accountId),
    });
  });
});

describe('authentication of management routes', () => {
  const forgedToken = async (claims: { accountId: string; email: string }) =>
    (
      await new TokenService({
        signingKey: new Uint8Array(32).fill(7),
        kid: SIGNING_KEY_ID,
        issuer: ISSUER,
      }).issueUserTokens(claims)
    ).accessToken;

  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it.each([
    ['missing', async () => undefined],
    ['garbage', async () => 'not-a-token'],
    ['forged', async (u: { accountId: string; email: string }) => forgedToken(u)],
    [
      'alg none',
      async (u: { accountId: string; email: string }) =>
        `${b64({ alg: 'none', kid: SIGNING_KEY_ID })}.${b64({ sub: u.accountId, email: u.email, typ: 'user', iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 600 })}.`,
    ],
    [
      'expired',
      async (u: { accountId: string; email: string }) =>
        (
          await new TokenService({
            signingKey: await env.secrets.get('signing'),
            kid: SIGNING_KEY_ID,
            issuer: ISSUER,
            now: () => Date.now() - 2 * 3600 * 1000,
          }).issueUserTokens(u)
        ).accessToken,
    ],
  ])('a %s token gets 401 and nothing is written', async (_kind, makeToken) => {
    const user = await newUser();
    const token = await makeToken(user);
    const before = await scanAll(env.tables.streams);
    const name = `s-${randomUUID().slice(0, 8)}`;
    const res = await api(httpEvent({ method: 'POST', path: '/v1/streams', token, body: { name } }));
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res).error.code).toMatch(/token|unauthorized/);
    expect(await scanAll(env.tables.streams)).toHaveLength(before.length);
    const list = await api(httpEvent({ method: 'GET', path: '/v1/streams', token }));
    expect(list.statusCode).toBe(401);
  });

  it('a stream token is not a user token', async () => {
    const stream = await env.tokens.issueStreamTokens({
      clientId: 'ps-0123456789abcdef0123456789abcdef',
      accountId: 'a',
      stream: 'winston',
      derived: false,
    });
    const res = await api(httpEvent({ method: 'GET', path: '/v1/me', token: stream.accessToken }));
    expect(res.statusCode).toBe(401);
  });
});

describe('streams', () => {
  it('create answers 201 with the stream and credentials shown once; only the secret hash is stored', async () => {
    const user = await newUser();
    const res = await createStream(user.token, { name: 'winston', description: 'clicks', tags: ['web'] });
    expect(res.statusCode).toBe(201);
    const { stream, credentials } = bodyOf(res);
    expect(stream).toMatchObject({
      name: 'winston',
      accountId: user.accountId,
      description: 'clicks',
      tags: ['web'],
      enabled: true,
      keyRotationHours: 24,
      credentials: [{ clientId: credentials.clientId }],
    });
    expect(credentials.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const stored = await scanAll(env.tables.streams);
    expect(JSON.stringify(stored)).not.toContain(credentials.clientSecret);
    const credentialItem = stored.find((i) => i.pk === `client#${credentials.clientId}`);
    expect(credentialItem).toMatchObject({
      accountId: user.accountId,
      streamName: 'winston',
      secretHash: expect.any(String),
    });

    const get = await api(httpEvent({ method: 'GET', path: '/v1/streams/winston', token: user.token }));
    expect(get.statusCode).toBe(200);
    expect(get.body).not.toContain(credentials.clientSecret);
    expect(get.body).not.toContain('secretHash');
    const list = await api(httpEvent({ method: 'GET', path: '/v1/streams', token: user.token }));
    expect(bodyOf(list).streams.map((s: { name: string }) => s.name)).toEqual(['winston']);
    expect(list.body).not.toContain(credentials.clientSecret);
  });

  it('a name clash answers 409 with a clear message', async () => {
    const user = await newUser();
    await createStream(user.token, { name: 'winston' });
    const res = await createStream(user.token, { name: 'winston' });
    expect(res.statusCode).toBe(409);
    expect(bodyOf(res).error.message).toBe('stream winston already exists');
  });

  it('two accounts can both have a stream of the same name', async () => {
    const [a, b] = [await newUser(), await newUser()];
    expect((await createStream(a.token, { name: 'shared-name' })).statusCode).toBe(201);
    expect((await createStream(b.token, { name: 'shared-name' })).statusCode).toBe(201);
  });

  it('a derived stream gets its default name and shows up under its source', async () => {
    const user = await newUser();
    await createStream(user.token, { name: 'winston' });
    const res = await createStream(user.token, { linkedStream: 'winston', consentLevels: [0] });
    expect(res.statusCode).toBe(201);
    expect(bodyOf(res).stream).toMatchObject({
      name: 'winston-0',
      linkedStream: 'winston',
      consentLevelType: 'CUMULATIVE',
    });
    const get = await api(httpEvent({ method: 'GET', path: '/v1/streams/winston', token: user.token }));
    expect(bodyOf(get).derived.map((s: { name: string }) => s.name)).toEqual(['winston-0']);
  });

  it('a derived stream of an unknown or derived source is a 400 naming linkedStream', async () => {
    const user = await newUser();
    const unknown = await createStream(user.token, { linkedStream: 'nope', consentLevels: [0] });
    expect(unknown.statusCode).toBe(400);
    expect(bodyOf(unknown).error.message).toMatch(/^linkedStream 'nope'/);
    await createStream(user.token, { name: 'winston' });
    await createStream(user.token, { linkedStream: 'winston', consentLevels: [0] });
    const ofDerived = await createStream(user.token, { linkedStream: 'winston-0', consentLevels: [1] });
    expect(ofDerived.statusCode).toBe(400);
  });

  it('delete refuses (409) while derived streams exist; recursive deletes all and their credentials', async () => {
    const user = await newUser();
    const source = bodyOf(await createStream(user.token, { name: 'winston' }));
    const derived = bodyOf(await createStream(user.token, { linkedStream: 'winston', consentLevels: [1] }));
    const refused = await api(
      httpEvent({ method: 'DELETE', path: '/v1/streams/winston', token: user.token }),
    );
    expect(refused.statusCode).toBe(409);
    expect(bodyOf(refused).error.message).toContain('winston-1');

    const res = await api(
      httpEvent({
        method: 'DELETE',
        path: '/v1/streams/winston',
        token: user.token,
        query: { recursive: 'true' },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual({ deleted: ['winston-1', 'winston'] });
    expect(await env.streams.getCredential(source.credentials.clientId)).toBeUndefined();
    expect(await env.streams.getCredential(derived.credentials.clientId)).toBeUndefined();
    const gone = await api(httpEvent({ method: 'GET', path: '/v1/streams/winston', token: user.token }));
    expect(gone.statusCode).toBe(404);
  });

  it('malformed JSON is a 400 and the handler keeps serving', async () => {
    const user = await newUser();
    for (const body of ['{"name": ', 'null', '[]', '', '\u0000\u0001']) {
      const res = await api(
        httpEvent({
          method: 'POST',
          path: '/v1/streams',
          token: user.token,
          body,
          headers: { 'content-type': 'application/json' },
        }),
      );
      expect(res.statusCode).toBe(400);
      expect(bodyOf(res).error.code).toBe('invalid_request');
    }
    expect((await createStream(user.token, { name: 'after-bad-input' })).statusCode).toBe(201);
  });

  it('unknown routes are 404 and wrong methods 405', async () => {
    const user = await newUser();
    expect((await api(httpEvent({ method: 'GET', path: '/v1/nothing', token: user.token }))).statusCode).toBe(
      404,
    );
    const wrong = await api(httpEvent({ method: 'PUT', path: '/v1/streams', token: user.token }));
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers?.allow).toBe('GET, POST');
  });
});

describe('account isolation: another account’s resources answer 404 on every route', () => {
  let owner: Awaited<ReturnType<typeof newUser>>;
  let intruder: Awaited<ReturnType<typeof newUser>>;
  let keyLinkId: string;

  beforeAll(async () => {
    owner = await newUser();
    intruder = await newUser();
    await createStream(owner.token, { name: 'private' });
    await createStream(owner.token, { linkedStream: 'private', consentLevels: [0] });
    await api(
      httpEvent({
        method: 'POST',
        path: '/v1/contracts',
        token: owner.token,
        body: { ref: 'owner/orders/1.0.0', keyField: 'sessionId', piiFields: { email: 0 } },
      }),
    );
    const resolver = new KeyLinkResolver({
      store: env.keyLinks,
      keks: env.keks,
      lookupSecret: await env.secrets.get('lookup-hash'),
    });
    keyLinkId = (await resolver.forKeyFieldValue(testScope(owner.accountId, 'private'), 'session-1'))
      .keyLinkId;
  });

  it.each([
    ['GET', '/v1/streams/private'],
    ['DELETE', '/v1/streams/private'],
    ['GET', '/v1/streams/private/usage'],
    ['GET', '/v1/streams/private-0'],
    ['DELETE', '/v1/streams/private-0'],
    ['GET', '/v1/contracts/owner/orders/1.0.0'],
  ])('%s %s', async (method, path) => {
    const res = await api(httpEvent({ method, path, token: intruder.token }));
    expect(res.statusCode).toBe(404);
    const own = await api(httpEvent({ method: 'GET', path: '/v1/streams/private', token: owner.token }));
    expect(own.statusCode).toBe(200);
  });

  it('GET and DELETE /v1/key-links/{id}', async () => {
    const get = await api(
      httpEvent({ method: 'GET', path: `/v1/key-links/${keyLinkId}`, token: intruder.token }),
    );
    expect(get.statusCode).toBe(404);
    const del = await api(
      httpEvent({ method: 'DELETE', path: `/v1/key-links/${keyLinkId}`, token: intruder.token }),
    );
    expect(del.statusCode).toBe(404);
    expect(await env.keyLinks.getById(keyLinkId)).toBeDefined();
  });

  it('a derived stream cannot be created on another account’s source', async () => {
    const res = await createStream(intruder.token, { linkedStream: 'private', consentLevels: [0] });
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.message).toBe("linkedStream 'private' does not exist");
  });

  it('lists show only the caller’s streams and contracts', async () => {
    const streams = await api(httpEvent({ method: 'GET', path: '/v1/streams', token: intruder.token }));
    expect(bodyOf(streams).streams).toEqual([]);
    const contracts = await api(httpEvent({ method: 'GET', path: '/v1/contracts', token: intruder.token }));
    expect(bodyOf(contracts).contracts.map((c: { ref: string }) => c.ref)).not.toContain(
      'owner/orders/1.0.0',
    );
  });
});

describe('contracts', () => {
  it('lists the built-in contracts and the caller’s own', async () => {
    const user = await newUser();
    const created = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/contracts',
        token: user.token,
        body: { ref: 'acme/orders/1.0.0', keyField: 'orderId', piiFields: { 'customer/email': 1 } },
      }),
    );
    expect(created.statusCode).toBe(201);
    const list = bodyOf(await api(httpEvent({ method: 'GET', path: '/v1/contracts', token: user.token })));
    expect(list.contracts.map((c: { ref: string }) => c.ref)).toEqual(
      expect.arrayContaining(['streammachine/clickstream/1.0.0', 'acme/orders/1.0.0']),
    );
    const get = await api(
      httpEvent({ method: 'GET', path: '/v1/contracts/acme/orders/1.0.0', token: user.token }),
    );
    expect(bodyOf(get).contract).toMatchObject({ ref: 'acme/orders/1.0.0', keyField: 'orderId' });
    const builtin = await api(
      httpEvent({ method: 'GET', path: '/v1/contracts/streammachine/clickstream/1.0.0', token: user.token }),
    );
    expect(bodyOf(builtin).contract.keyField).toBe('producerSessionId');
  });

  it('refuses to redefine a contract (409) or a built-in one (409)', async () => {
    const user = await newUser();
    const body = { ref: 'acme/orders/1.0.0', keyField: 'orderId' };
    await api(httpEvent({ method: 'POST', path: '/v1/contracts', token: user.token, body }));
    const again = await api(httpEvent({ method: 'POST', path: '/v1/contracts', token: user.token, body }));
    expect(again.statusCode).toBe(409);
    const builtin = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/contracts',
        token: user.token,
        body: { ref: 'streammachine/clickstream/1.0.0', keyField: 'x' },
      }),
    );
    expect(builtin.statusCode).toBe(409);
  });

  it('an invalid contract is a 400 naming the field', async () => {
    const user = await newUser();
    const res = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/contracts',
        token: user.token,
        body: { ref: 'nope', keyField: 'x' },
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.message).toMatch(/^contract\.ref/);
  });
});

describe('usage', () => {
  it('sums per-minute counts into buckets between from and until', async () => {
    const user = await newUser();
    await createStream(user.token, { name: 'counted' });
    await env.usage.addCounts([
      { accountId: user.accountId, streamName: 'counted', minute: '2025-01-01T10:01:00.000Z', count: 3 },
      { accountId: user.accountId, streamName: 'counted', minute: '2025-01-01T10:59:00.000Z', count: 4 },
      { accountId: user.accountId, streamName: 'counted', minute: '2025-01-01T11:00:00.000Z', count: 5 },
      { accountId: user.accountId, streamName: 'counted', minute: '2025-01-01T13:00:00.000Z', count: 100 },
    ]);
    const res = await api(
      httpEvent({
        method: 'GET',
        path: '/v1/streams/counted/usage',
        token: user.token,
        query: { from: '2025-01-01T10:00:00Z', until: '2025-01-01T12:00:00Z', by: 'hour' },
      }),
    );
    expect(bodyOf(res)).toEqual({
      buckets: [
        { from: '2025-01-01T10:00:00.000Z', count: 7 },
        { from: '2025-01-01T11:00:00.000Z', count: 5 },
      ],
    });
  });

  it('rejects a bad range or bucket size with 400 naming the parameter', async () => {
    const user = await newUser();
    await createStream(user.token, { name: 'counted' });
    const bad = (query: Record<string, string>) =>
      api(httpEvent({ method: 'GET', path: '/v1/streams/counted/usage', token: user.token, query }));
    expect(bodyOf(await bad({ by: 'week' })).error.message).toMatch(/^by must be/);
    expect(bodyOf(await bad({ from: 'yesterday' })).error.message).toMatch(/^from must be/);
    expect((await bad({ from: '2025-01-02T00:00:00Z', until: '2025-01-01T00:00:00Z' })).statusCode).toBe(400);
  });

  it('rejects a time beyond the representable date range with 400 naming the parameter', async () => {
    const user = await newUser();
    await createStream(user.token, { name: 'counted' });
    const res = await api(
      httpEvent({
        method: 'GET',
        path: '/v1/streams/counted/usage',
        token: user.token,
        query: { until: '99999999999999999' },
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error.message).toMatch(/^until must be/);
  });
});

describe('key links and data subjects', () => {
  it('exports the caller’s key link as a Tink keyset that decrypts what the link encrypted', async () => {
    const user = await newUser();
    const resolver = new KeyLinkResolver({
      store: env.keyLinks,
      keks: env.keks,
      lookupSecret: await env.secrets.get('lookup-hash'),
    });
    const { keyLinkId, aead } = await resolver.forKeyFieldValue(
      testScope(user.accountId, 'winston'),
      'session-42',
    );
    const ciphertext = aead.encryptString('ada@example.com');

    const res = await api(
      httpEvent({ method: 'GET', path: `/v1/key-links/${keyLinkId}`, token: user.token }),
    );
    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(body).toMatchObject({ keyLinkId, createdAt: expect.any(String), expiresAt: expect.any(String) });
    const exported = new TinkDeterministicAead(fromTinkJsonKeyset(body.keyset));
    expect(exported.decryptString(ciphertext)).toBe('ada@example.com');
  });

  it('DELETE /v1/key-links/{id} shreds the link', async () => {
    const user = await newUser();
    const resolver = new KeyLinkResolver({
      store: env.keyLinks,
      keks: env.keks,
      lookupSecret: await env.secrets.get('lookup-hash'),
    });
    const { keyLinkId } = await resolver.forKeyFieldValue(testScope(user.accountId, 'winston'), 'session-43');
    const res = await api(
      httpEvent({ method: 'DELETE', path: `/v1/key-links/${keyLinkId}`, token: user.token }),
    );
    expect(res.statusCode).toBe(204);
    expect(await env.keyLinks.getById(keyLinkId)).toBeUndefined();
    const again = await api(
      httpEvent({ method: 'GET', path: `/v1/key-links/${keyLinkId}`, token: user.token }),
    );
    expect(again.statusCode).toBe(404);
  });

  it('POST /v1/data-subjects/forget shreds every key link of that subject in the caller’s account only', async () => {
    const [user, other] = [await newUser(), await newUser()];
    const lookupSecret = await env.secrets.get('lookup-hash');
    const resolver = new KeyLinkResolver({ store: env.keyLinks, keks: env.keks, lookupSecret });
    const subject = 'customer-7@example.com';
    const mine = await Promise.all(
      ['s-1', 's-2'].map((session) =>
        resolver.forKeyFieldValue(testScope(user.accountId, 'winston'), session, {
          dataSubjectHash: keyedHash(lookupSecret, user.accountId, subject),
        }),
      ),
    );
    const theirs = await resolver.forKeyFieldValue(testScope(other.accountId, 'winston'), 's-1', {
      dataSubjectHash: keyedHash(lookupSecret, other.accountId, subject),
    });

    const res = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/data-subjects/forget',
        body: { dataSubject: subject },
        token: user.token,
      }),
    );
    expect(bodyOf(res)).toEqual({ deletedKeyLinks: 2 });
    for (const { keyLinkId } of mine) expect(await env.keyLinks.getById(keyLinkId)).toBeUndefined();
    expect(await env.keyLinks.getById(theirs.keyLinkId)).toBeDefined();
  });

  it('forgets exactly the data subject named, also when its id looks URL-encoded or holds path characters', async () => {
    // API Gateway hands over decoded paths; ids travel in the body so that `%41` is never taken for `A`.
    const user = await newUser();
    const lookupSecret = await env.secrets.get('lookup-hash');
    const resolver = new KeyLinkResolver({ store: env.keyLinks, keks: env.keks, lookupSecret });
    const subjects = ['A', '%41', 'a/b?c#d'];
    const links = new Map<string, string>();
    for (const subject of subjects) {
      const { keyLinkId } = await resolver.forKeyFieldValue(
        testScope(user.accountId, 'winston'),
        'shared-session',
        {
          dataSubjectHash: keyedHash(lookupSecret, user.accountId, subject),
        },
      );
      links.set(subject, keyLinkId);
    }
    const res = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/data-subjects/forget',
        body: { dataSubject: '%41' },
        token: user.token,
      }),
    );
    expect(bodyOf(res)).toEqual({ deletedKeyLinks: 1 });
    expect(await env.keyLinks.getById(links.get('%41')!)).toBeUndefined();
    expect(await env.keyLinks.getById(links.get('A')!)).toBeDefined();
    expect(await env.keyLinks.getById(links.get('a/b?c#d')!)).toBeDefined();
  });

  it('answers 400 for a forget request without a data subject', async () => {
    const user = await newUser();
    const res = await api(
      httpEvent({ method: 'POST', path: '/v1/data-subjects/forget', body: {}, token: user.token }),
    );
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res)).toMatchObject({ error: { message: expect.stringContaining('dataSubject') } });
  });
});

describe('sign-up modes', () => {
  it('open: anyone can create an account, also when accounts exist', async () => {
    await signUp();
    const res = await api(
      httpEvent({
        method: 'POST',
        path: '/v1/accounts',
        body: { email: uniqueEmail(), password: 'a long enough password' },
      }),
    );
    expect(res.statusCode).toBe(201);
  });

  it('bootstrap: of concurrent first sign-ups with the right secret exactly one succeeds', async () => {
    const table = await env.emulators.createEmptyTableLike('accounts');
    const bootstrap = env.management({
      accounts: new AccountsRepo({ doc: env.doc, table }),
      signupMode: 'bootstrap',
      bootstrapSecret: async () => 'the-secret',
    });
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        bootstrap(
          httpEvent({
            method: 'POST',
            path: '/v1/accounts',
            body: { email: uniqueEmail(), password: 'a long enough password', bootstrapSecret: 'the-secret' },
          }),
        ),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 403, 403, 403]);
  });

  it('bootstrap without a configured secret stays closed', async () => {
    const table = await env.emulators.createEmptyTableLike('accounts');
    const bootstrap = env.management({
      accounts: new AccountsRepo({ doc: env.doc, table }),
      signupMode: 'bootstrap',
      bootstrapSecret: async () => undefined,
    });
    const res = await bootstrap(
      httpEvent({
        method: 'POST',
        path: '/v1/accounts',
        body: { email: uniqueEmail(), password: 'a long enough password', bootstrapSecret: '' },
      }),
    );
    expect(res.statusCode).toBe(403);
  });
});
