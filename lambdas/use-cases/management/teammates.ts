import { type AccountUser, normalizeEmail, parseSignUpRequest } from '../../core/accounts';
import { ConflictError, NotFoundError } from '../../core/errors';
import { hashPassword } from '../../core/passwords';
import type { UserClaims } from '../../core/tokens';
import { endSessionConnections } from './end-connections';
import type { ManagementPorts } from './ports';

type TeammatePorts = Pick<
  ManagementPorts,
  'accounts' | 'sessions' | 'streams' | 'connections' | 'sockets' | 'now' | 'audit'
>;

/**
 * Teammates: further users of the caller's account, added by a user of it. This is how people join an
 * account on a deployed stack, where sign-up is closed after the first account: closed to strangers, open
 * to whoever an account's users let in. Every user of an account has the same rights.
 */

/**
 * `POST /v1/users` with `{email, password}` (the sign-up rules for both): the new user shares the
 * caller's account. ConflictError when the email has an account (any account: an email is one login).
 *
 * Every session still stored under the email is revoked before the login exists: a user removed by an
 * earlier version kept its sessions (removal did not revoke them then), and adding the email again within
 * their 7 days would otherwise bring its old refresh tokens back. Only an email without a login is revoked,
 * so adding someone else's email (409) logs nobody out.
 */
export async function addTeammate(
  ports: Pick<TeammatePorts, 'accounts' | 'sessions' | 'now' | 'audit'>,
  caller: UserClaims,
  body: unknown,
): Promise<{ accountId: string; email: string }> {
  const request = parseSignUpRequest(body);
  if (await ports.accounts.getByEmail(request.email)) {
    throw new ConflictError('an account with this email already exists');
  }
  const revoked = await ports.sessions.revokeAll(request.email);
  await ports.accounts.addUser({
    accountId: caller.accountId,
    email: request.email,
    passwordHash: await hashPassword(request.password),
    createdAt: new Date(ports.now()).toISOString(),
  });
  ports.audit.info('user added', { accountId: caller.accountId, sessionsRevoked: revoked.length });
  return { accountId: caller.accountId, email: request.email };
}

/** `GET /v1/users`: the users of the caller's account, by email. */
export async function listTeammates(
  ports: Pick<TeammatePorts, 'accounts'>,
  caller: UserClaims,
): Promise<AccountUser[]> {
  return ports.accounts.listUsers(caller.accountId);
}

/**
 * `DELETE /v1/users/{email}`: removes a user of the caller's account; the caller cannot remove itself
 * (409), another account's user or an unknown email is 404. The login goes first (no new session can
 * start), then every session of the user (its refresh, access and read tokens are refused from the next
 * call on), then its console connections. Added again later, the user starts with no session at all.
 */
export async function removeTeammate(
  ports: TeammatePorts,
  caller: UserClaims,
  emailParam: string,
): Promise<void> {
  const email = normalizeEmail(emailParam);
  if (email === caller.email) {
    throw new ConflictError(
      'you cannot remove yourself; another user of the account can',
      'cannot_remove_self',
    );
  }
  if (!(await ports.accounts.removeUser(caller.accountId, email))) {
    throw new NotFoundError('no such user in this account');
  }
  const revoked = await ports.sessions.revokeAll(email);
  const connectionsEnded = await endSessionConnections(ports, caller.accountId, revoked);
  ports.audit.info('user removed', {
    accountId: caller.accountId,
    sessionsRevoked: revoked.length,
    connectionsEnded,
  });
}
