import type { Command } from 'commander';
import { ApiError } from '../api-client';
import { formatJson, formatTable } from '../output';
import { readPasswords } from '../password-prompt';
import { CliError, type CliRuntime, commandContext, type GlobalOptions } from '../runtime';
import { verb } from './verbs';

/** `strm create user EMAIL`, `strm list users`, `strm delete user EMAIL`: the users (teammates) of your account. */
export function registerUserCommands(program: Command, runtime: CliRuntime): void {
  verb(program, 'create', 'create an entity')
    .command('user')
    .description('add a teammate to your account (their password from STRM_NEW_PASSWORD or the prompt)')
    .argument('<email>', "the teammate's email address")
    .action(async (email: string, _options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const [password] = await readPasswords({
        env: runtime.env,
        stdin: runtime.stdin,
        stderr: runtime.stderr,
        fields: [{ envVar: 'STRM_NEW_PASSWORD', prompt: `Password for ${email}: ` }],
      });
      const user = await ctx.session
        .call((token) => ctx.api.createUser(token, email, password))
        .catch((error: unknown) => {
          if (error instanceof ApiError && error.status === 409) {
            throw new CliError(`${email} already has an account on this stack (yours or another one)`);
          }
          throw error;
        });
      if (ctx.output === 'json') runtime.stdout.write(formatJson(user));
      else {
        runtime.stdout.write(
          `Added ${user.email} to account ${user.accountId}. They log in with: strm auth login ${user.email}\n` +
            'and can change that password with: strm auth change-password\n',
        );
      }
    });

  verb(program, 'list', 'list entities')
    .command('users')
    .description('the users of your account')
    .action(async (_options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const users = await ctx.session.call((token) => ctx.api.listUsers(token));
      if (ctx.output === 'json') runtime.stdout.write(formatJson({ users }));
      else {
        runtime.stdout.write(
          formatTable(
            ['EMAIL', 'CREATED AT'],
            users.map((user) => [user.email, user.createdAt ?? '']),
          ),
        );
      }
    });

  verb(program, 'delete', 'delete an entity')
    .command('user')
    .description('remove a teammate from your account (not yourself); their sessions end')
    .argument('<email>', "the teammate's email address")
    .action(async (email: string, _options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      await ctx.session
        .call((token) => ctx.api.deleteUser(token, email))
        .catch((error: unknown) => {
          if (error instanceof ApiError && error.status === 409) {
            throw new CliError(
              `You cannot remove yourself; another user of the account can: strm delete user ${email}`,
            );
          }
          if (error instanceof ApiError && error.status === 404 && error.code !== 'route_not_found') {
            throw new CliError(`${email} is not a user of your account (see strm list users)`);
          }
          throw error;
        });
      if (ctx.output === 'json') runtime.stdout.write(formatJson({ email, deleted: true }));
      else runtime.stdout.write(`Removed ${email} from your account.\n`);
    });
}
