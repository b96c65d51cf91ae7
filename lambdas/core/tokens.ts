import { errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from './errors';

/**
 * JWTs of the platform (HS256 only). Five kinds, told apart by the `typ` claim, so a refresh token is never
 * accepted where an access token is expected (and vice versa), a user token never passes as a stream
 * token, and a read-only stream token (the console's) is accepted only where a subscriber connects.
 * Pure: the signing key is given, the clock is injectable.
 */
export interface StreamClaims {
  clientId: string;
  accountId: string;
  stream: string;
  derived: boolean;
  /** The account's billing id, stamped into the events of the token's producer (absent in older tokens). */
  billingId?: string;
}

/**
 * A read-only stream token: a signed-in user reads one of the account's streams (the console's WebSocket)
 * without the stream's credentials. It names one incarnation of the stream (its `createdAt`), so a stream
 * deleted and created again under the same name does not honour it, and the user's sign-in session, so
 * it is refused once that session has ended. Ingest and the token endpoint never accept it (they verify
 * `typ: stream` / `stream-refresh` only).
 */
export interface StreamReadClaims {
  accountId: string;
  stream: string;
  /** The stream record's `createdAt` (ISO 8601) when the token was issued. */
  streamCreatedAt: string;
  /** The user the token was issued to (a session is found by email and id). */
  email: string;
  /** The user's sign-in session (`sid`): a logout, password change or removal ends the token with it. */
  sessionId: string;
}

/** What may open a subscriber connection: a stream client's access token, or a read-only token. */
export type SubscriberToken =
  | { kind: 'client'; claims: StreamClaims }
  | { kind: 'reader'; claims: StreamReadClaims };

export interface UserClaims {
  accountId: string;
  email: string;
  /** The sign-in session (a login and every refresh descending from it) the token belongs to. */
  sessionId?: string;
}

/** A user refresh token's claims: its session, and its own id (each refresh uses it up). */
export interface UserRefreshClaims extends UserClaims {
  tokenId?: string;
}

export interface IssuedTokens {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken: string;
  /** Seconds. */
  refreshExpiresIn: number;
}

export type TokenType = 'stream' | 'stream-refresh' | 'stream-read' | 'user' | 'user-refresh';

/** Lifetimes in seconds, per docs/architecture.md. */
export const TOKEN_LIFETIME_SECONDS: Readonly<Record<TokenType, number>> = {
  stream: 15 * 60,
  'stream-refresh': 24 * 60 * 60,
  // Only needed to open a connection (which then lives on); the console asks for a new one per connect.
  'stream-read': 5 * 60,
  user: 60 * 60,
  'user-refresh': 7 * 24 * 60 * 60,
};

const ALGORITHM = 'HS256';
const MIN_KEY_BYTES = 32;

export interface TokenServiceOptions {
  signingKey: Uint8Array;
  kid: string;
  issuer: string;
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
}

/**
 * Issues and verifies the HS256 JWTs of the product: short-lived stream tokens (OAuth2 client credentials)
 * and account-user tokens, each with a refresh token of its own type. Verification is local (no network
 * call), accepts only HS256 with the expected `kid`, issuer and `typ`, and fails with UnauthorizedError.
 */
export class TokenService {
  private readonly key: Uint8Array;
  private readonly kid: string;
  private readonly issuer: string;
  private readonly now: () => number;

  constructor(opts: TokenServiceOptions) {
    if (opts.signingKey.length < MIN_KEY_BYTES)
      throw new Error(`signing key must be at least ${MIN_KEY_BYTES} bytes`);
    if (!opts.kid) throw new Error('kid must not be empty');
    this.key = Uint8Array.from(opts.signingKey);
    this.kid = opts.kid;
    this.issuer = opts.issuer;
    this.now = opts.now ?? Date.now;
  }

  /** An access token (15 min) and a refresh token (24 h) for a stream's client credentials. */
  async issueStreamTokens(c: StreamClaims): Promise<IssuedTokens> {
    const claims: Record<string, unknown> = {
      clientId: c.clientId,
      accountId: c.accountId,
      stream: c.stream,
      derived: c.derived,
    };
    if (c.billingId !== undefined) claims.billingId = c.billingId;
    return this.issuePair(c.clientId, claims, 'stream', 'stream-refresh');
  }

  /** The claims of a valid, unexpired stream access token. */
  async verifyStreamToken(token: string): Promise<StreamClaims> {
    return streamClaimsOf(await this.verify(token, 'stream'));
  }

  /** The claims of a valid, unexpired stream refresh token. */
  async verifyStreamRefreshToken(token: string): Promise<StreamClaims> {
    return streamClaimsOf(await this.verify(token, 'stream-refresh'));
  }

  /** A read-only token (5 min, no refresh token) for one incarnation of one of the account's streams. */
  async issueStreamReadToken(c: StreamReadClaims): Promise<{ accessToken: string; expiresIn: number }> {
    const expiresIn = TOKEN_LIFETIME_SECONDS['stream-read'];
    const claims = {
      accountId: c.accountId,
      stream: c.stream,
      streamCreatedAt: c.streamCreatedAt,
      email: c.email,
      sid: c.sessionId,
    };
    return { accessToken: await this.sign(c.accountId, claims, 'stream-read', expiresIn), expiresIn };
  }

  /** The claims of a valid, unexpired token a WebSocket subscriber may connect with: `stream` or `stream-read`. */
  async verifySubscriberToken(token: string): Promise<SubscriberToken> {
    const payload = await this.verify(token, 'stream', 'stream-read');
    return payload.typ === 'stream'
      ? { kind: 'client', claims: streamClaimsOf(payload) }
      : { kind: 'reader', claims: streamReadClaimsOf(payload) };
  }

  /**
   * An access token (1 h) and a refresh token (7 d) for an account user; both name the session (`sid`),
   * the refresh token also its own id (`jti`) when given.
   */
  async issueUserTokens(c: UserClaims, opts: { refreshTokenId?: string } = {}): Promise<IssuedTokens> {
    const claims: Record<string, unknown> = { email: c.email };
    if (c.sessionId !== undefined) claims.sid = c.sessionId;
    const expiresIn = TOKEN_LIFETIME_SECONDS.user;
    const refreshExpiresIn = TOKEN_LIFETIME_SECONDS['user-refresh'];
    const refreshClaims =
      opts.refreshTokenId === undefined ? claims : { ...claims, jti: opts.refreshTokenId };
    const [accessToken, refreshToken] = await Promise.all([
      this.sign(c.accountId, claims, 'user', expiresIn),
      this.sign(c.accountId, refreshClaims, 'user-refresh', refreshExpiresIn),
    ]);
    return { accessToken, expiresIn, refreshToken, refreshExpiresIn };
  }

  /** The claims of a valid, unexpired account-user access token. */
  async verifyUserToken(token: string): Promise<UserClaims> {
    return userClaimsOf(await this.verify(token, 'user'));
  }

  /** The claims of a valid, unexpired account-user refresh token. */
  async verifyUserRefreshToken(token: string): Promise<UserRefreshClaims> {
    const payload = await this.verify(token, 'user-refresh');
    const claims: UserRefreshClaims = userClaimsOf(payload);
    if (payload.jti !== undefined) claims.tokenId = requireString(payload, 'jti');
    return claims;
  }

  private async issuePair(
    subject: string,
    claims: Record<string, unknown>,
    accessType: TokenType,
    refreshType: TokenType,
  ): Promise<IssuedTokens> {
    const expiresIn = TOKEN_LIFETIME_SECONDS[accessType];
    const refreshExpiresIn = TOKEN_LIFETIME_SECONDS[refreshType];
    const [accessToken, refreshToken] = await Promise.all([
      this.sign(subject, claims, accessType, expiresIn),
      this.sign(subject, claims, refreshType, refreshExpiresIn),
    ]);
    return { accessToken, expiresIn, refreshToken, refreshExpiresIn };
  }

  private async sign(
    subject: string,
    claims: Record<string, unknown>,
    typ: TokenType,
    lifetimeSeconds: number,
  ): Promise<string> {
    const issuedAt = Math.floor(this.now() / 1000);
    return new SignJWT({ ...claims, typ })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + lifetimeSeconds)
      .sign(this.key);
  }

  /** Verifies signature, algorithm, kid, issuer, expiry and `typ` (one of `types`); every failure is an UnauthorizedError. */
  private async verify(token: string, ...types: TokenType[]): Promise<JWTPayload> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
      throw new UnauthorizedError('invalid token', 'invalid_token');
    }
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(
        token,
        (header) => {
          if (header.kid !== this.kid) throw new errors.JWSInvalid('unknown kid');
          return this.key;
        },
        {
          algorithms: [ALGORITHM],
          issuer: this.issuer,
          currentDate: new Date(this.now()),
          requiredClaims: ['exp', 'sub', 'typ'],
        },
      );
      payload = result.payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new UnauthorizedError('token expired', 'token_expired');
      throw new UnauthorizedError('invalid token', 'invalid_token');
    }
    if (!types.includes(payload.typ as TokenType))
      throw new UnauthorizedError('invalid token', 'invalid_token');
    return payload;
  }
}

function requireString(payload: JWTPayload, name: string): string {
  const value = payload[name];
  if (typeof value !== 'string' || value.length === 0)
    throw new UnauthorizedError('invalid token', 'invalid_token');
  return value;
}

function streamClaimsOf(payload: JWTPayload): StreamClaims {
  const clientId = requireString(payload, 'clientId');
  if (payload.sub !== clientId || typeof payload.derived !== 'boolean') {
    throw new UnauthorizedError('invalid token', 'invalid_token');
  }
  const claims: StreamClaims = {
    clientId,
    accountId: requireString(payload, 'accountId'),
    stream: requireString(payload, 'stream'),
    derived: payload.derived,
  };
  if (payload.billingId !== undefined) claims.billingId = requireString(payload, 'billingId');
  return claims;
}

function streamReadClaimsOf(payload: JWTPayload): StreamReadClaims {
  const accountId = requireString(payload, 'accountId');
  if (payload.sub !== accountId) throw new UnauthorizedError('invalid token', 'invalid_token');
  // A read token without a session (issued before they named one) could not be ended: invalid.
  return {
    accountId,
    stream: requireString(payload, 'stream'),
    streamCreatedAt: requireString(payload, 'streamCreatedAt'),
    email: requireString(payload, 'email'),
    sessionId: requireString(payload, 'sid'),
  };
}

function userClaimsOf(payload: JWTPayload): UserClaims {
  const claims: UserClaims = {
    accountId: requireString(payload, 'sub'),
    email: requireString(payload, 'email'),
  };
  if (payload.sid !== undefined) claims.sessionId = requireString(payload, 'sid');
  return claims;
}
