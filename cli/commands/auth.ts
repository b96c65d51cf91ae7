import type { Command } from 'commander';
import { ApiError } from '../api-client';
import { formatJson, formatKeyValues } from '../output';
import { readPassword } from '../password-prompt';
import { CliError, type CliRuntime, commandContext, type GlobalOptions } from '../runtime';
import { deleteSavedLogin, readSavedLogin, toSavedLogin, writeSavedLogin } from '../user-session';

/** `strm auth signup|login|show|logout`. */
export function registerAuthCommands(program: Command, runtime: CliRuntime): void {
  const auth = program.command('auth').description('sign up, log in and out of the management API');

  auth
    .command('signup')
    .description('create an account (password from the prompt or STRM_PASSWORD)')
    .argument('<email>', 'your email address')
    .option(
      '--bootstrap-secret <secret>',
      'deployed stacks: the bootstrap secret that allows the first sign-up',
    )
    .action(async (email: string, options: { bootstrapSecret?: string }, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const password = await readPassword({ env: runtime.env, stdin: runtime.stdin, stderr: runtime.stderr });
      const account = await ctx.api.signup(email, password, options.bootstrapSecret);
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
      let login: Awaited<ReturnType<typeof ctx.api.login>>;
      try {
        login = await ctx.api.login(email, password);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          throw new CliError(
            `No account for that email/password. On the local stack, create one with: strm auth signup ${email}`,
          );
        }
        throw error;
      }
      const saved = toSavedLogin(ctx.endpoints.apiUrl, login);
      writeSavedLogin(ctx.configDir, saved);
      if (ctx.output === 'json') {
        runtime.stdout.write(
          formatJson({ email: saved.email, accountId: saved.accountId, apiUrl: saved.apiUrl }),
        );
      } else {
        runtime.stdout.write(`Logged in as ${saved.email} (account ${saved.accountId}) at ${saved.apiUrl}\n`);
      }
    });

  auth
    .command('show')
    .description('show who is logged in (never the token)')
    .action((_options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const login = readSavedLogin(ctx.configDir, ctx.endpoints.apiUrl);
      if (!login) throw new CliError(`Not logged in at ${ctx.endpoints.apiUrl}: run strm auth login <email>`);
      const info = {
        email: login.email,
        accountId: login.accountId,
        apiUrl: login.apiUrl,
        accessTokenExpiresAt: new Date(login.expiresAt * 1000).toISOString(),
      };
      if (ctx.output === 'json') runtime.stdout.write(formatJson(info));
      else {
        runtime.stdout.write(
          formatKeyValues([
            ['email', info.email],
            ['account id', info.accountId],
            ['api url', info.apiUrl],
            ['token expires at', info.accessTokenExpiresAt],
          ]),
        );
      }
    });

  auth
    .command('logout')
    .description('forget the saved login tokens')
    .action((_options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const removed = deleteSavedLogin(ctx.configDir, ctx.endpoints.apiUrl);
      runtime.stdout.write(
        removed ? `Logged out from ${ctx.endpoints.apiUrl}\n` : `Not logged in at ${ctx.endpoints.apiUrl}\n`,
      );
    });
}
