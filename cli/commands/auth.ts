import type { Command } from 'commander';
import { type ApiClient, ApiError, type LoginResult } from '../api-client';
import { formatJson, formatKeyValues } from '../output';
import { readPassword, readPasswords } from '../password-prompt';
import {
  CliError,
  type CliRuntime,
  type CommandContext,
  commandContext,
  type GlobalOptions,
} from '../runtime';
import {
  deleteSavedLogin,
  readSavedLogin,
  toSavedLogin,
  UserSession,
  writeSavedLogin,
} from '../user-session';

/** Where a command talks to, for messages: `http://… (context local)`. */
export function stackName(ctx: CommandContext): string {
  return `${ctx.endpoints.apiUrl} (context ${ctx.context.name})`;
}

/** A deployed stack (imported from CDK outputs) closes sign-up after its first account. */
function isDeployed(ctx: CommandContext): boolean {
  return ctx.context.settings.bootstrapSecretArn !== undefined || ctx.context.settings.stack !== undefined;
}

/** How to get an account on this stack: sign up locally, be added by a teammate on a deployed one. */
function howToJoin(ctx: CommandContext, email: string): string {
  return isDeployed(ctx)
    ? `New to this stack? A user of your account can add you: strm create user ${email}`
    : `No account yet? Create one: strm auth signup ${email}`;
}

const BOOTSTRAP_SECRET_FIELD = { envVar: 'STRM_BOOTSTRAP_SECRET', prompt: 'Bootstrap secret: ' };

/**
 * The sign-up password and bootstrap secret. The secret: `--bootstrap-secret` (kept for old scripts, with
 * a warning: argv is in shell history and the process list), else STRM_BOOTSTRAP_SECRET, else (a deployed
 * stack, where the first account needs it) a hidden prompt or the line after the password on piped stdin.
 */
async function readSignupSecrets(
  ctx: CommandContext,
  flag: string | undefined,
): Promise<{ password: string; bootstrapSecret?: string }> {
  const { env, stdin, stderr } = ctx.runtime;
  if (flag !== undefined) {
    stderr.write(
      'Warning: --bootstrap-secret puts the secret in your shell history and the process list; ' +
        'set STRM_BOOTSTRAP_SECRET instead (or type it at the prompt).\n',
    );
  }
  const fromEnv = env.STRM_BOOTSTRAP_SECRET === '' ? undefined : env.STRM_BOOTSTRAP_SECRET;
  if (flag !== undefined || fromEnv !== undefined || !isDeployed(ctx)) {
    const password = await readPassword({ env, stdin, stderr });
    const bootstrapSecret = flag ?? fromEnv;
    return bootstrapSecret === undefined ? { password } : { password, bootstrapSecret };
  }
  const [password, bootstrapSecret] = await readPasswords({
    env,
    stdin,
    stderr,
    fields: [{ envVar: 'STRM_PASSWORD', prompt: 'Password: ' }, BOOTSTRAP_SECRET_FIELD],
  });
  return { password: password!, bootstrapSecret: bootstrapSecret! };
}

/** Logs in and saves the tokens in the context; the API's refusals as messages that say what to do. */
export async function logInAndSave(
  ctx: CommandContext,
  email: string,
  password: string,
): Promise<LoginResult> {
  let login: LoginResult;
  try {
    login = await ctx.api.login(email, password);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new CliError(
        `That email and password do not match an account at ${stackName(ctx)}. ` +
          `Check them and try again: strm auth login ${email}. ${howToJoin(ctx, email)}`,
      );
    }
    if (error instanceof ApiError && error.status === 429) {
      const wait = error.retryAfterSeconds === undefined ? 'a while' : `${error.retryAfterSeconds} s`;
      throw new CliError(`Too many failed logins for ${email}: try again in ${wait}`);
    }
    throw error;
  }
  writeSavedLogin(ctx.context.dir, toSavedLogin(ctx.endpoints.apiUrl, login));
  return login;
}

/** `strm auth signup|login|show|logout|change-password`. */
export function registerAuthCommands(program: Command, runtime: CliRuntime): void {
  const auth = program.command('auth').description('sign up, log in and out of the management API');

  auth
    .command('signup')
    .description(
      'create an account (password from the prompt or STRM_PASSWORD; on a deployed stack the bootstrap ' +
        'secret from STRM_BOOTSTRAP_SECRET or a prompt)',
    )
    .argument('<email>', 'your email address')
    .option(
      '--bootstrap-secret <secret>',
      'deprecated (the secret lands in shell history and the process list): use STRM_BOOTSTRAP_SECRET',
    )
    .action(async (email: string, options: { bootstrapSecret?: string }, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const { password, bootstrapSecret } = await readSignupSecrets(ctx, options.bootstrapSecret);
      const account = await ctx.api.signup(email, password, bootstrapSecret).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 403 && error.code === 'signup_closed') {
          throw new CliError(
            `Sign-up is closed at ${stackName(ctx)}: a deployed stack takes only its first account, with the ` +
              `bootstrap secret. To join an existing account, ask one of its users to run: strm create user ${email}`,
          );
        }
        throw error;
      });
      if (ctx.output === 'json') runtime.stdout.write(formatJson(account));
      else {
        runtime.stdout.write(
          `Created account ${account.email} (${account.accountId}). Log in with: strm auth login ${account.email}\n`,
        );
      }
    });

  auth
    .command('login')
    .description('log in (password from the prompt or STRM_PASSWORD); saves the tokens for later commands')
    .argument('<email>', 'your email address')
    .action(async (email: string, _options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const password = await readPassword({ env: runtime.env, stdin: runtime.stdin, stderr: runtime.stderr });
      const login = await logInAndSave(ctx, email, password);
      const apiUrl = ctx.endpoints.apiUrl;
      if (ctx.output === 'json') {
        runtime.stdout.write(
          formatJson({ email: login.email, accountId: login.accountId, apiUrl, context: ctx.context.name }),
        );
      } else {
        runtime.stdout.write(`Logged in as ${login.email} (account ${login.accountId}) at ${apiUrl}\n`);
      }
    });

  auth
    .command('show')
    .description('show who is logged in (never the token)')
    .action((_options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const login = readSavedLogin(ctx.context.dir, ctx.endpoints.apiUrl);
      if (!login) throw new CliError(`Not logged in at ${stackName(ctx)}: run strm auth login <email>`);
      const info = {
        email: login.email,
        accountId: login.accountId,
        // The account key of the original product: the Stream Machine STS (`/auth`) asks for it.
        billingId: login.billingId ?? null,
        apiUrl: login.apiUrl,
        context: ctx.context.name,
        accessTokenExpiresAt: new Date(login.expiresAt * 1000).toISOString(),
      };
      if (ctx.output === 'json') runtime.stdout.write(formatJson(info));
      else {
        runtime.stdout.write(
          formatKeyValues([
            ['email', info.email],
            ['account id', info.accountId],
            ['billing id', info.billingId ?? '(log in again to see it)'],
            ['api url', info.apiUrl],
            ['context', info.context],
            ['token expires at', info.accessTokenExpiresAt],
          ]),
        );
      }
    });

  auth
    .command('logout')
    .description('end the session on the server and forget the saved login tokens')
    .option('--local', 'only forget the tokens on this machine (when the stack is gone for good)', false)
    .action(async (options: { local: boolean }, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      runtime.stdout.write(await logOut(ctx, options.local));
    });

  auth
    .command('change-password')
    .description('change your password (STRM_PASSWORD and STRM_NEW_PASSWORD, or prompts); ends every session')
    .action(async (_options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const session = new UserSession(ctx.api, ctx.context.dir);
      const email = session.saved()?.email;
      if (email === undefined)
        throw new CliError(`Not logged in at ${stackName(ctx)}: run strm auth login <email>`);
      const [current, next] = await readPasswords({
        env: runtime.env,
        stdin: runtime.stdin,
        stderr: runtime.stderr,
        fields: [
          { envVar: 'STRM_PASSWORD', prompt: 'Current password: ' },
          { envVar: 'STRM_NEW_PASSWORD', prompt: 'New password: ' },
        ],
      });
      await session.call((token) => ctx.api.changePassword(token, current, next));
      // The server ended every session of this user, this one too: log in again with the new password.
      await logInAndSave(ctx, email, next);
      runtime.stdout.write(
        `Changed the password of ${email}. Every session of it has ended; this one logged in again.\n`,
      );
    });
}

/** Ends the session on the server, then forgets it here; what happened, as a line for stdout. */
async function logOut(ctx: CommandContext, localOnly: boolean): Promise<string> {
  const { apiUrl } = ctx.endpoints;
  const login = readSavedLogin(ctx.context.dir, apiUrl);
  if (!login) return `Not logged in at ${stackName(ctx)}\n`;
  if (localOnly) {
    deleteSavedLogin(ctx.context.dir, apiUrl);
    return `Forgot the login at ${apiUrl} on this machine; its session was not ended on the server\n`;
  }
  let ended: SessionEnd;
  try {
    ended = await endSessionOnServer(ctx.api, login.refreshToken);
  } catch (error) {
    throw new CliError(
      `Could not end the session at ${stackName(ctx)} (${(error as Error).message}); the login is kept. ` +
        'Run strm auth logout again when the stack answers, or forget it on this machine only: ' +
        'strm auth logout --local',
    );
  }
  deleteSavedLogin(ctx.context.dir, apiUrl);
  if (ended === 'no_server_logout') {
    return (
      `Logged out locally from ${apiUrl}: this stack has no server-side logout, so the session's refresh ` +
      'token stays valid until it expires\n'
    );
  }
  return `Logged out from ${apiUrl}\n`;
}

export type SessionEnd = 'ended' | 'no_server_logout';

/**
 * Ends a saved login's session on the server: 'ended' (also when the server no longer knows it, 400/401,
 * which is what logging out is for), 'no_server_logout' for a stack without the route (404). Any other
 * failure (the stack does not answer, 5xx) is thrown: the login should then be kept.
 */
export async function endSessionOnServer(api: ApiClient, refreshToken: string): Promise<SessionEnd> {
  try {
    await api.logout(refreshToken);
    return 'ended';
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return 'no_server_logout';
    if (error instanceof ApiError && (error.status === 400 || error.status === 401)) return 'ended';
    throw error;
  }
}
