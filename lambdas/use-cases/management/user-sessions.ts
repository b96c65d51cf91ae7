import { parseLoginRequest } from '../../core/accounts';
import { UnauthorizedError, ValidationError } from '../../core/errors';
import { isJsonObject } from '../../core/field-path';
import { decoyPasswordHash, verifyPassword } from '../../core/passwords';
import type { UserClaims } from '../../core/tokens';
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

type SessionPorts = Pick<ManagementPorts, 'accounts' | 'tokens' | 'now'>;

/**
 * `POST /v1/auth/login` with `{email, password}`. An unknown email and a wrong password are the same
 * 401, and cost the same time: a missing account is verified against a decoy hash.
 */
export async function logIn(ports: SessionPorts, body: unknown): Promise<UserSession> {
  const request = parseLoginRequest(body);
  const account = await ports.accounts.getByEmail(request.email);
  const valid = await verifyPassword(request.password, account?.passwordHash ?? (await decoyPasswordHash()));
  if (!account || !valid) throw new UnauthorizedError('invalid email or password', 'invalid_credentials');
  return startSession(ports, { accountId: account.accountId, email: account.email });
}

/**
 * `POST /v1/auth/refresh` with `{refreshToken}`: new tokens, as long as the token's account still exists
 * under its email with the same id.
 */
export async function refreshSession(ports: SessionPorts, body: unknown): Promise<UserSession> {
  if (!isJsonObject(body) || typeof body.refreshToken !== 'string' || body.refreshToken === '') {
    throw new ValidationError('refreshToken is required and must be a string');
  }
  const claims = await (await ports.tokens()).verifyUserRefreshToken(body.refreshToken);
  const account = await ports.accounts.getByEmail(claims.email);
  if (!account || account.accountId !== claims.accountId) {
    throw new UnauthorizedError('invalid token', 'invalid_token');
  }
  return startSession(ports, { accountId: account.accountId, email: account.email });
}

async function startSession(ports: SessionPorts, claims: UserClaims): Promise<UserSession> {
  const tokens = await (await ports.tokens()).issueUserTokens(claims);
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: Math.floor(ports.now() / 1000) + tokens.expiresIn,
    accountId: claims.accountId,
    email: claims.email,
  };
}
