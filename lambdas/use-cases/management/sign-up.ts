import { generateAccountId, parseSignUpRequest } from '../../core/accounts';
import { ForbiddenError } from '../../core/errors';
import { hashPassword } from '../../core/passwords';
import { bootstrapSecretAccepted } from '../../core/sign-up-gate';
import type { ManagementPorts } from './ports';

export interface SignedUp {
  accountId: string;
  email: string;
}

type SignUpPorts = Pick<ManagementPorts, 'accounts' | 'signupMode' | 'bootstrapSecret' | 'now' | 'audit'>;

/**
 * `POST /v1/accounts`: creates an account from `{email, password, bootstrapSecret?}`. In bootstrap mode
 * only the first account, with the bootstrap secret, and under the store's atomic first-account claim
 * (two concurrent first sign-ups cannot both succeed). ValidationError, ConflictError (email taken),
 * ForbiddenError `signup_closed`.
 */
export async function signUp(ports: SignUpPorts, body: unknown): Promise<SignedUp> {
  const request = parseSignUpRequest(body);
  const bootstrap = ports.signupMode === 'bootstrap';
  if (bootstrap && !(await bootstrapAllowed(ports, request.bootstrapSecret))) {
    throw new ForbiddenError('sign-up is closed', 'signup_closed');
  }
  const account = {
    accountId: generateAccountId(),
    email: request.email,
    passwordHash: await hashPassword(request.password),
    createdAt: new Date(ports.now()).toISOString(),
  };
  if (bootstrap) await ports.accounts.createFirst(account);
  else await ports.accounts.create(account);
  ports.audit.info('account created', { accountId: account.accountId });
  return { accountId: account.accountId, email: account.email };
}

/** Bootstrap mode: no account yet (the secret is not even read after that) and the right secret. */
async function bootstrapAllowed(
  ports: Pick<SignUpPorts, 'accounts' | 'bootstrapSecret'>,
  presentedSecret: string | undefined,
): Promise<boolean> {
  if (await ports.accounts.hasAnyAccount()) return false;
  return bootstrapSecretAccepted(await ports.bootstrapSecret(), presentedSecret);
}
