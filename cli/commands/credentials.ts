import type { Command } from 'commander';
import { ApiError } from '../api-client';
import { formatCreatedCredentials, formatJson } from '../output';
import {
  CliError,
  type CliRuntime,
  type CommandContext,
  commandContext,
  type GlobalOptions,
} from '../runtime';
import {
  assertSaveKeepsOtherStacks,
  deleteSavedStream,
  loadSavedStream,
  saveStream,
} from '../saved-entities';
import { printSecretShownOnce } from '../secret-shown-once';
import { verb } from './verbs';

/** A 404 of the router itself (not of a stream or client id): the stack predates the credentials API. */
function explainMissingRoute(error: unknown, ctx: CommandContext): unknown {
  if (error instanceof ApiError && error.status === 404 && error.code === 'route_not_found') {
    return new CliError(
      `The stack at ${ctx.endpoints.apiUrl} cannot manage credentials yet: update and redeploy it (or restart npm start)`,
    );
  }
  return error;
}

/** `strm create credentials STREAM [--save]` and `strm delete credentials STREAM CLIENT_ID`. */
export function registerCredentialsCommands(program: Command, runtime: CliRuntime): void {
  verb(program, 'create', 'create an entity')
    .command('credentials')
    .description(
      'a new client id and secret for a stream (the secret is shown once); the old ones keep working',
    )
    .argument('<stream>', 'stream name (source or derived)')
    .option(
      '--save',
      "save them as the stream's credentials for sim and egress (replacing the saved ones)",
      false,
    )
    .action(async (stream: string, options: { save: boolean }, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const { apiUrl } = ctx.endpoints;
      if (options.save) assertSaveKeepsOtherStacks(ctx.context.dir, stream, apiUrl, ctx.context.name);
      const created = await ctx.session
        .call((token) => ctx.api.createCredentials(token, stream))
        .catch((error: unknown) => {
          throw explainMissingRoute(error, ctx);
        });
      printSecretShownOnce(ctx, created, {
        save: options.save ? () => saveStream(ctx.context.dir, { ...created, apiUrl }) : undefined,
        table: (savedFile) => formatCreatedCredentials(created, savedFile),
        notSaved: 'The credentials were created, but could not be saved',
      });
    });

  verb(program, 'delete', 'delete an entity')
    .command('credentials')
    .description(
      'delete one client id of a stream: it stops working within seconds (ingest ~5 s), its subscriptions end at once',
    )
    .argument('<stream>', 'stream name')
    .argument('<client-id>', 'the client id (strm get stream <stream> lists them)')
    .action(async (stream: string, clientId: string, _options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      await ctx.session
        .call((token) => ctx.api.deleteCredentials(token, stream, clientId))
        .catch((error: unknown) => {
          throw explainMissingRoute(error, ctx);
        });
      const saved = safeLoad(ctx.context.dir, stream);
      const forgotSaved =
        saved?.credentials.clientId === clientId && deleteSavedStream(ctx.context.dir, stream);
      if (ctx.output === 'json') {
        runtime.stdout.write(
          formatJson({ stream, clientId, deleted: true, savedCredentialsRemoved: forgotSaved }),
        );
        return;
      }
      runtime.stdout.write(`Deleted client id ${clientId} of stream ${stream}: it no longer works.\n`);
      if (forgotSaved) {
        runtime.stdout.write(
          `They were the saved credentials of ${stream}, so those are gone too. ` +
            `New ones: strm create credentials ${stream} --save\n`,
        );
      }
    });
}

function safeLoad(dir: string, stream: string) {
  try {
    return loadSavedStream(dir, stream);
  } catch {
    return undefined;
  }
}
