import { randomBytes } from 'node:crypto';
import { parseLoginRequest } from '../../core/accounts';
import { UnauthorizedError, ValidationError } from '../../core/errors';
import { isJsonObject } from '../../core/field-path';
import { decoyPasswordHash, verifyPassword } from '../../core/passwords';
import { TOKEN_LIFETIME_SECONDS, type UserClaims, type UserRefreshClaims } from '../../core/tokens';
import { endSessionConnections } from './end-connections';
import { recordFailedSignIn, recordSuccessfulSignIn, refuseWhileBackingOff } from './login-backoff';
import type { ManagementPorts } from './ports';

/** A signed-in user's tokens: `POST /v1/auth/login` and `POST /v1/auth/refresh` answer this. */
export interface UserSession {
  accessToken: string;
  refreshToken: string;
  /** Epoch seconds at which the access token expires. */
  expiresAt: number;
  accountId: string;
  email: string;
}

type SessionPorts = Pick<
  ManagementPorts,
  | 'accounts'
  | 'sessions'
  | 'loginAttempts'
  | 'tokens'
  | 'now'
  | 'audit'
  | 'streams'
  | 'connections'
  | 'sockets'
>;

const invalidToken = () => new UnauthorizedError('invalid token', 'invalid_token');
const newId = () => randomBytes(16).toString('base64url');

/**
 * `POST /v1/auth/login` with `{email, password}`: a new session. An unknown email and a wrong password are
 * the same 401, and cost the same time (a missing account is verified against a decoy hash). After a few
 * failures the account and the source must wait (429 with Retry-After, use-cases/.../login-backoff.ts).
 * A user from before teammates is listed in its account from its first login on.
 */
export async function logIn(ports: SessionPorts, body: unknown, sourceIp?: string): Promise<UserSession> {
  const request = parseLoginRequest(body);
  const attempt = { email: request.email, sourceIp };
  await refuseWhileBackingOff(ports, attempt);
  const account = await ports.accounts.getByEmail(request.email);
  const valid = await verifyPassword(request.password, account?.passwordHash ?? (await decoyPasswordHash()));
  if (!account || !valid) {
    await recordFailedSignIn(ports, attempt);
    throw new UnauthorizedError('invalid email or password', 'invalid_credentials');
  }
  await recordSuccessfulSignIn(ports, attempt);
  if (!account.listed) await ports.accounts.backfillMembership(account);
  const sessionId = newId();
  const refreshTokenId = newId();
  const claims = { accountId: account.accountId, email: account.email, sessionId };
  await ports.sessions.create({
    ...claims,
    refreshTokenId,
    createdAt: ports.now(),
    expiresAt: refreshExpiry(ports),
  });
  // A removal between the password check and the new session ended every session but this one: look again.
  if (!(await isStillUser(ports, claims))) {
    await ports.sessions.revoke(claims.email, sessionId);
    throw new UnauthorizedError('invalid email or password', 'invalid_credentials');
  }
  return issue(ports, claims, refreshTokenId);
}

/**
 * `POST /v1/auth/refresh` with `{refreshToken}`: new tokens and a NEW refresh token; the one sent is used
 * up. A used-up refresh token sent again means it was copied: the whole session is revoked (the thief's
 * and the owner's tokens alike, and its console connections) and 401 `invalid_token` answered. The
 * account must still exist under its email with the same id, which is checked before anything rotates.
 */
export async function refreshSession(ports: SessionPorts, body: unknown): Promise<UserSession> {
  const claims = await refreshClaimsOf(ports, body);
  const { sessionId, tokenId } = claims;
  if (!sessionId || !tokenId) throw invalidToken();
  const session = await ports.sessions.get(claims.email, sessionId);
  if (!session || session.accountId !== claims.accountId) throw invalidToken();
  if (!(await isStillUser(ports, claims))) throw invalidToken();
  const nextTokenId = newId();
  const rotated =
    session.refreshTokenId === tokenId &&
    (await ports.sessions.rotate(claims.email, sessionId, tokenId, nextTokenId, refreshExpiry(ports)));
  if (!rotated) {
    await endSession(ports, { ...claims, sessionId });
    ports.audit.info('refresh token reused; session revoked', { accountId: claims.accountId });
    throw invalidToken();
  }
  return issue(ports, { accountId: claims.accountId, email: claims.email, sessionId }, nextTokenId);
}

/**
 * `POST /v1/auth/logout` with `{refreshToken}`: revokes that token's session (its refresh tokens stop
 * working, its access and read tokens are refused, its console connections end). Idempotent: an unknown,
 * expired or invalid token is fine too.
 */
export async function logOut(ports: SessionPorts, body: unknown): Promise<void> {
  let claims: UserRefreshClaims;
  try {
    claims = await refreshClaimsOf(ports, body);
  } catch (error) {
    if (error instanceof UnauthorizedError) return;
    throw error;
  }
  if (!claims.sessionId) return;
  const connectionsEnded = await endSession(ports, { ...claims, sessionId: claims.sessionId });
  ports.audit.info('signed out', { accountId: claims.accountId, connectionsEnded });
}

/** Revokes one session, then ends its console connections; how many connections. */
async function endSession(ports: SessionPorts, claims: UserClaims & { sessionId: string }): Promise<number> {
  await ports.sessions.revoke(claims.email, claims.sessionId);
  return endSessionConnections(ports, claims.accountId, [claims.sessionId]);
}

/** Whether the user still has its login, in the same account (a removed user has none). */
async function isStillUser(ports: Pick<SessionPorts, 'accounts'>, claims: UserClaims): Promise<boolean> {
  const account = await ports.accounts.getByEmail(claims.email);
  return account !== undefined && account.accountId === claims.accountId;
}

/**
 * The caller of a management call, if its access token's session is still live: a logout, a password
 * change or a detected refresh-token reuse ends it at once, not when the access token expires.
 */
export async function requireLiveSession(
  ports: Pick<ManagementPorts, 'sessions'>,
  claims: UserClaims,
): Promise<UserClaims> {
  const session = claims.sessionId ? await ports.sessions.get(claims.email, claims.sessionId) : undefined;
  if (!session || session.accountId !== claims.accountId) {
    throw new UnauthorizedError('the session has ended; sign in again', 'invalid_token');
  }
  return claims;
}

async function refreshClaimsOf(
  ports: Pick<SessionPorts, 'tokens'>,
  body: unknown,
): Promise<UserRefreshClaims> {
  if (!isJsonObject(body) || typeof body.refreshToken !== 'string' || body.refreshToken === '') {
    throw new ValidationError('refreshToken is required and must be a string');
  }
  return (await ports.tokens()).verifyUserRefreshToken(body.refreshToken);
}

function refreshExpiry(ports: Pick<SessionPorts, 'now'>): number {
  return Math.floor(ports.now() / 1000) + TOKEN_LIFETIME_SECONDS['user-refresh'];
}

async function issue(ports: SessionPorts, claims: UserClaims, refreshTokenId: string): Promise<UserSession> {
  const tokens = await (await ports.tokens()).issueUserTokens(claims, { refreshTokenId });
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: Math.floor(ports.now() / 1000) + tokens.expiresIn,
    accountId: claims.accountId,
    email: claims.email,
  };
}
