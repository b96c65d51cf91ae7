import { type AccountUser, normalizeEmail, parseSignUpRequest } from '../../core/accounts';
import { ConflictError, NotFoundError, UnauthorizedError } from '../../core/errors';
import { hashPassword } from '../../core/passwords';
import type { UserClaims } from '../../core/tokens';
import type { ManagementPorts } from './ports';

type TeammatePorts = Pick<ManagementPorts, 'accounts' | 'now' | 'audit'>;

/**
 * Teammates: further users of the caller's account, added by a user of it. This is how people join an
 * account on a deployed stack, where sign-up is closed after the first account: closed to strangers, open
 * to whoever an account's users let in. Every user of an account has the same rights.
 */

/**
 * `POST /v1/users` with `{email, password}` (the sign-up rules for both): the new user shares the
 * caller's account. ConflictError when the email has an account (any account: an email is one login).
 */
export async function addTeammate(
  ports: TeammatePorts,
  caller: UserClaims,
  body: unknown,
): Promise<{ accountId: string; email: string }> {
  const request = parseSignUpRequest(body);
  const self = await ports.accounts.getByEmail(caller.email);
  const user = {
    accountId: caller.accountId,
    email: request.email,
    passwordHash: await hashPassword(request.password),
    createdAt: new Date(ports.now()).toISOString(),
  };
  await ports.accounts.addUser(user, self?.accountId === caller.accountId ? self : undefined);
  ports.audit.info('user added', { accountId: caller.accountId });
  return { accountId: caller.accountId, email: request.email };
}

/** `GET /v1/users`: the users of the caller's account, by email. */
export async function listTeammates(ports: TeammatePorts, caller: UserClaims): Promise<AccountUser[]> {
  const self = await ports.accounts.getByEmail(caller.email);
  return ports.accounts.listUsers(caller.accountId, self);
}

/**
 * `DELETE /v1/users/{email}`: removes a user of the caller's account; the caller cannot remove itself
 * (409), another account's user or an unknown email is 404. The removed user's access tokens are refused
 * from the next call on (see `refuseRemovedUser`), and its refresh tokens no longer find its login.
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
  const removed = await ports.accounts.removeUser(
    caller.accountId,
    email,
    new Date(ports.now()).toISOString(),
  );
  if (!removed) throw new NotFoundError('no such user in this account');
  ports.audit.info('user removed', { accountId: caller.accountId });
}

/** Refuses the token of a user who was removed from the account since it was issued (401). */
export async function refuseRemovedUser(
  ports: Pick<ManagementPorts, 'accounts'>,
  caller: UserClaims,
): Promise<void> {
  if (await ports.accounts.isRemoved(caller.accountId, caller.email)) {
    throw new UnauthorizedError('this user was removed from the account', 'invalid_token');
  }
}
