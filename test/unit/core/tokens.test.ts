import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { UnauthorizedError } from '../../../lambdas/core/errors';
import {
  type StreamClaims,
  TOKEN_LIFETIME_SECONDS,
  TokenService,
  type UserClaims,
} from '../../../lambdas/core/tokens';

const KEY = randomBytes(32);
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

function service(opts: { key?: Uint8Array; kid?: string; issuer?: string; now?: () => number } = {}) {
  return new TokenService({
    signingKey: opts.key ?? KEY,
    kid: opts.kid ?? 'signing-v1',
    issuer: opts.issuer ?? 'privacy-streams',
    now: opts.now ?? (() => T0),
  });
}

const streamClaims = (overrides: Partial<StreamClaims> = {}): StreamClaims => ({
  clientId: 'ps-0123456789abcdef0123456789abcdef',
  accountId: 'acct-1',
  stream: 'winston',
  derived: false,
  ...overrides,
});
const userClaims = (overrides: Partial<UserClaims> = {}): UserClaims => ({
  accountId: 'acct-1',
  email: 'ada@example.com',
  ...overrides,
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function expectUnauthorized(promise: Promise<unknown>, message: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  expect((error as Error).message).toBe(message);
}

describe('stream tokens', () => {
  it('round-trip the claims', async () => {
    const tokens = await service().issueStreamTokens(streamClaims({ derived: true }));
    await expect(service().verifyStreamToken(tokens.accessToken)).resolves.toEqual(
      streamClaims({ derived: true }),
    );
    await expect(service().verifyStreamRefreshToken(tokens.refreshToken)).resolves.toEqual(
      streamClaims({ derived: true }),
    );
  });

  it('live 15 minutes, refresh tokens 24 hours', async () => {
    const tokens = await service().issueStreamTokens(streamClaims());
    expect(tokens.expiresIn).toBe(15 * 60);
    expect(tokens.refreshExpiresIn).toBe(24 * 60 * 60);
    const payload = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ typ: 'stream', sub: streamClaims().clientId, iss: 'privacy-streams' });
    expect(payload.exp - payload.iat).toBe(TOKEN_LIFETIME_SECONDS.stream);
  });

  it('are rejected as expired after their lifetime', async () => {
    const tokens = await service().issueStreamTokens(streamClaims());
    const later = service({ now: () => T0 + (15 * 60 + 1) * 1000 });
    await expectUnauthorized(later.verifyStreamToken(tokens.accessToken), 'token expired');
    await expect(later.verifyStreamRefreshToken(tokens.refreshToken)).resolves.toEqual(streamClaims());
  });

  it('refresh tokens expire after 24 hours', async () => {
    const tokens = await service().issueStreamTokens(streamClaims());
    const later = service({ now: () => T0 + (24 * 60 * 60 + 1) * 1000 });
    await expectUnauthorized(later.verifyStreamRefreshToken(tokens.refreshToken), 'token expired');
  });

  it('a refresh token is not an access token, and an access token is not a refresh token', async () => {
    const tokens = await service().issueStreamTokens(streamClaims());
    await expectUnauthorized(service().verifyStreamToken(tokens.refreshToken), 'invalid token');
    await expectUnauthorized(service().verifyStreamRefreshToken(tokens.accessToken), 'invalid token');
  });
});

describe('user tokens', () => {
  it('round-trip the claims', async () => {
    const tokens = await service().issueUserTokens(userClaims());
    await expect(service().verifyUserToken(tokens.accessToken)).resolves.toEqual(userClaims());
    await expect(service().verifyUserRefreshToken(tokens.refreshToken)).resolves.toEqual(userClaims());
  });

  it('live 1 hour, refresh tokens 7 days', async () => {
    const tokens = await service().issueUserTokens(userClaims());
    expect(tokens.expiresIn).toBe(3600);
    expect(tokens.refreshExpiresIn).toBe(7 * 24 * 3600);
    const hourLater = service({ now: () => T0 + 3601 * 1000 });
    await expectUnauthorized(hourLater.verifyUserToken(tokens.accessToken), 'token expired');
    await expect(hourLater.verifyUserRefreshToken(tokens.refreshToken)).resolves.toEqual(userClaims());
  });

  it('are never accepted as stream tokens, nor stream tokens as user tokens', async () => {
    const user = await service().issueUserTokens(userClaims());
    const stream = await service().issueStreamTokens(streamClaims());
    await expectUnauthorized(service().verifyStreamToken(user.accessToken), 'invalid token');
    await expectUnauthorized(service().verifyStreamRefreshToken(user.refreshToken), 'invalid token');
    await expectUnauthorized(service().verifyUserToken(stream.accessToken), 'invalid token');
    await expectUnauthorized(service().verifyUserRefreshToken(stream.refreshToken), 'invalid token');
  });
});

describe('token verification rejects', () => {
  it('a token signed with another key (forged signature)', async () => {
    const forged = await service({ key: randomBytes(32) }).issueUserTokens(userClaims());
    await expectUnauthorized(service().verifyUserToken(forged.accessToken), 'invalid token');
  });

  it('a token whose payload was altered after signing', async () => {
    const { accessToken } = await service().issueUserTokens(userClaims());
    const [header, , signature] = accessToken.split('.');
    const payload = b64url({
      sub: 'acct-2',
      email: 'eve@example.com',
      typ: 'user',
      iss: 'privacy-streams',
      exp: T0 / 1000 + 60,
    });
    await expectUnauthorized(service().verifyUserToken(`${header}.${payload}.${signature}`), 'invalid token');
  });

  it("an unsigned token with alg 'none'", async () => {
    const header = b64url({ alg: 'none', typ: 'JWT', kid: 'signing-v1' });
    const payload = b64url({
      sub: 'acct-1',
      email: 'ada@example.com',
      typ: 'user',
      iss: 'privacy-streams',
      iat: T0 / 1000,
      exp: T0 / 1000 + 3600,
    });
    await expectUnauthorized(service().verifyUserToken(`${header}.${payload}.`), 'invalid token');
  });

  it('a token signed with another algorithm (HS512) under the same key', async () => {
    const token = await new SignJWT({ email: 'ada@example.com', typ: 'user' })
      .setProtectedHeader({ alg: 'HS512', kid: 'signing-v1' })
      .setIssuer('privacy-streams')
      .setSubject('acct-1')
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 60)
      .sign(KEY);
    await expectUnauthorized(service().verifyUserToken(token), 'invalid token');
  });

  it('a token from another issuer', async () => {
    const other = await service({ issuer: 'someone-else' }).issueUserTokens(userClaims());
    await expectUnauthorized(service().verifyUserToken(other.accessToken), 'invalid token');
  });

  it('a token naming another kid', async () => {
    const other = await service({ kid: 'signing-v0' }).issueUserTokens(userClaims());
    await expectUnauthorized(service().verifyUserToken(other.accessToken), 'invalid token');
  });

  it('a token without typ', async () => {
    const token = await new SignJWT({ email: 'ada@example.com' })
      .setProtectedHeader({ alg: 'HS256', kid: 'signing-v1' })
      .setIssuer('privacy-streams')
      .setSubject('acct-1')
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 60)
      .sign(KEY);
    await expectUnauthorized(service().verifyUserToken(token), 'invalid token');
  });

  it.each([['garbage'], [''], ['a.b.c'], ['x'.repeat(10_000)], ['eyJhbGciOiJIUzI1NiJ9..']])(
    'garbage %#',
    async (token) => {
      await expectUnauthorized(service().verifyStreamToken(token), 'invalid token');
    },
  );
});

describe('TokenService construction', () => {
  it('refuses a signing key shorter than 32 bytes', () => {
    expect(() => service({ key: randomBytes(16) })).toThrow('at least 32 bytes');
  });
});
