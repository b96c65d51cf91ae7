import { formatJson } from './output';
import { CliError, type CommandContext } from './runtime';

/**
 * Prints an API answer that carries a client secret the API shows only this once, saving it first when
 * asked. A failed save must not swallow the secret: the answer is printed either way (`-o json` as is,
 * else `table(savedFile)`), and only then does the save's failure end the command.
 */
export function printSecretShownOnce(
  ctx: CommandContext,
  created: unknown,
  opts: {
    /** Saves the credentials and returns the file; absent when the user did not ask to save. */
    save?: () => string;
    table: (savedFile: string | undefined) => string;
    /** What was done and what was not, e.g. `The credentials were created, but could not be saved`. */
    notSaved: string;
  },
): void {
  let savedFile: string | undefined;
  let saveError: unknown;
  if (opts.save) {
    try {
      savedFile = opts.save();
    } catch (error) {
      saveError = error;
    }
  }
  ctx.runtime.stdout.write(ctx.output === 'json' ? formatJson(created) : opts.table(savedFile));
  if (saveError !== undefined) {
    throw new CliError(
      `${opts.notSaved} (${(saveError as Error).message}). ` +
        'Keep the client secret printed above: it is not shown again.',
    );
  }
}
