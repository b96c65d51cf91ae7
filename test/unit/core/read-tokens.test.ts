import { SignJWT } from 'jose';
import { UnauthorizedError } from '../../../lambdas/core/errors';
import { TOKEN_LIFETIME_SECONDS, TokenService } from '../../../lambdas/core/tokens';

/** Read-only stream tokens (the console's): what they carry, where they pass and where they never do. */

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const CLAIMS = {
  accountId: 'acct-1',
  stream: 'winston',
  streamCreatedAt: '2024-12-01T00:00:00.000Z',
  email: 'ada@example.com',
  sessionId: 'session-1',
};

function service(now = () => T0, keyByte = 7) {
  return new TokenService({ signingKey: new Uint8Array(32).fill(keyByte), kid: 'k1', issuer: 'ps', now });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (e: unknown) => e,
  );
}

describe('read-only stream tokens', () => {
  it('verify as a reader subscriber token with the stream, its incarnation and the user session', async () => {
    // Prepare
    const { accessToken } = await service().issueStreamReadToken(CLAIMS);
    // Act
    const verified = await service().verifySubscriberToken(accessToken);
    // Assess
    expect(verified).toEqual({ kind: 'reader', claims: CLAIMS });
  });

  it('live 5 minutes and then verify as expired', async () => {
    // Prepare
    const issued = await service().issueStreamReadToken(CLAIMS);
    const later = service(() => T0 + (5 * 60 + 1) * 1000);
    // Act
    const error = await rejection(later.verifySubscriberToken(issued.accessToken));
    // Assess
    expect(issued.expiresIn).toBe(TOKEN_LIFETIME_SECONDS['stream-read']);
    expect(issued.expiresIn).toBe(300);
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).code).toBe('token_expired');
  });

  it('are never stream access, stream refresh, user or user refresh tokens', async () => {
    // Prepare
    const { accessToken } = await service().issueStreamReadToken(CLAIMS);
    const tokens = service();
    // Act
    const errors = await Promise.all([
      rejection(tokens.verifyStreamToken(accessToken)),
      rejection(tokens.verifyStreamRefreshToken(accessToken)),
      rejection(tokens.verifyUserToken(accessToken)),
      rejection(tokens.verifyUserRefreshToken(accessToken)),
    ]);
    // Assess
    for (const error of errors) {
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as UnauthorizedError).code).toBe('invalid_token');
    }
  });

  it('without a session (issued before they named one) are invalid: nothing could end them', async () => {
    // Prepare
    const legacy = await new SignJWT({
      accountId: 'acct-1',
      stream: 'winston',
      streamCreatedAt: 'x',
      typ: 'stream-read',
    })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'JWT' })
      .setIssuer('ps')
      .setSubject('acct-1')
      .setIssuedAt(T0 / 1000)
      .setExpirationTime(T0 / 1000 + 300)
      .sign(new Uint8Array(32).fill(7));
    // Act
    const error = await rejection(service().verifySubscriberToken(legacy));
    // Assess
    expect((error as UnauthorizedError).code).toBe('invalid_token');
  });

  it('do not verify under another signing key', async () => {
    // Prepare
    const { accessToken } = await service(() => T0, 1).issueStreamReadToken(CLAIMS);
    // Act
    const error = await rejection(service().verifySubscriberToken(accessToken));
    // Assess
    expect((error as UnauthorizedError).code).toBe('invalid_token');
  });
});

describe('subscriber tokens', () => {
  it('accept a stream client access token as a client subscriber', async () => {
    // Prepare
    const claims = { clientId: 'ps-0123', accountId: 'acct-1', stream: 'winston', derived: false };
    const { accessToken } = await service().issueStreamTokens(claims);
    // Act
    const verified = await service().verifySubscriberToken(accessToken);
    // Assess
    expect(verified).toEqual({ kind: 'client', claims });
  });

  it('refuse stream refresh tokens and user tokens', async () => {
    // Prepare
    const claims = { clientId: 'ps-0123', accountId: 'acct-1', stream: 'winston', derived: false };
    const stream = await service().issueStreamTokens(claims);
    const user = await service().issueUserTokens({ accountId: 'acct-1', email: 'ada@example.com' });
    // Act
    const errors = await Promise.all(
      [stream.refreshToken, user.accessToken, user.refreshToken].map((t) =>
        rejection(service().verifySubscriberToken(t)),
      ),
    );
    // Assess
    for (const error of errors) expect((error as UnauthorizedError).code).toBe('invalid_token');
  });
});
