import { parsePasswordChange } from '../../core/accounts';
import { ForbiddenError, UnauthorizedError } from '../../core/errors';
import { hashPassword, verifyPassword } from '../../core/passwords';
import type { UserClaims } from '../../core/tokens';
import { endSessionConnections } from './end-connections';
import { recordFailedSignIn, recordSuccessfulSignIn, refuseWhileBackingOff } from './login-backoff';
import type { ManagementPorts } from './ports';

type PasswordPorts = Pick<
  ManagementPorts,
  'accounts' | 'sessions' | 'loginAttempts' | 'now' | 'audit' | 'streams' | 'connections' | 'sockets'
>;

/**
 * `POST /v1/auth/password` with `{currentPassword, newPassword}`: the current password must be right (a
 * wrong one counts as a failed sign-in, with the same backoff), the new one must meet the policy. Then
 * every session of the user is revoked, this one too: refresh tokens stop working, access and read tokens
 * are refused from the next call on, and the user's console connections end.
 */
export async function changePassword(
  ports: PasswordPorts,
  caller: UserClaims,
  body: unknown,
  sourceIp?: string,
): Promise<void> {
  const request = parsePasswordChange(body, caller.email);
  const attempt = { email: caller.email, sourceIp };
  await refuseWhileBackingOff(ports, attempt);
  const account = await ports.accounts.getByEmail(caller.email);
  if (!account || account.accountId !== caller.accountId) {
    throw new UnauthorizedError('the session has ended; sign in again', 'invalid_token');
  }
  if (!(await verifyPassword(request.currentPassword, account.passwordHash))) {
    await recordFailedSignIn(ports, attempt);
    throw new ForbiddenError('currentPassword is wrong', 'invalid_credentials');
  }
  await recordSuccessfulSignIn(ports, attempt);
  const passwordHash = await hashPassword(request.newPassword);
  if (!(await ports.accounts.updatePasswordHash(account.email, account.accountId, passwordHash))) {
    throw new UnauthorizedError('the session has ended; sign in again', 'invalid_token');
  }
  const revoked = await ports.sessions.revokeAll(account.email);
  const connectionsEnded = await endSessionConnections(ports, account.accountId, revoked);
  ports.audit.info('password changed', {
    accountId: account.accountId,
    sessionsRevoked: revoked.length,
    connectionsEnded,
  });
}
