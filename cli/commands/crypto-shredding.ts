import type { Command } from 'commander';
import { formatDeletedDataSubjects, formatJson, formatKeyLink } from '../output';
import { type CliRuntime, commandContext, type GlobalOptions } from '../runtime';
import { verb } from './verbs';

/** Printed on stderr whenever a keyset is shown, so piping stdout to a file keeps only the keyset. */
export const KEYSET_SECRET_NOTE =
  "Note: the keyset is a secret decryption key, a Tink JSON keyset that any Tink DeterministicAead user can decrypt this key link's events with.\n";

/** `strm get key-link`, `strm delete key-link` and `strm delete data-subject(s)`. */
export function registerCryptoShreddingCommands(program: Command, runtime: CliRuntime): void {
  verb(program, 'get', 'show one entity')
    .command('key-link')
    .description("export a key link's key as a Tink JSON keyset (a secret)")
    .argument('<id>', 'key link id (strmMeta.keyLink of an event)')
    .option('--keyset-only', 'print only the keyset JSON, e.g. to redirect into a file', false)
    .action(async (id: string, options: { keysetOnly: boolean }, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const link = await ctx.session.call((token) => ctx.api.getKeyLink(token, id));
      if (options.keysetOnly) {
        runtime.stdout.write(`${link.keyset}\n`);
        runtime.stderr.write(KEYSET_SECRET_NOTE);
      } else if (ctx.output === 'json') {
        runtime.stdout.write(formatJson(link));
      } else {
        runtime.stdout.write(formatKeyLink(link));
        runtime.stderr.write(KEYSET_SECRET_NOTE);
      }
    });

  const del = verb(program, 'delete', 'delete an entity');
  del
    .command('key-link')
    .description('crypto-shred a key link: delete its key, so its events can no longer be decrypted')
    .argument('<id>', 'key link id (strmMeta.keyLink of an event)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      await ctx.session.call((token) => ctx.api.deleteKeyLink(token, id));
      if (ctx.output === 'json') runtime.stdout.write(formatJson({ keyLinkId: id, deleted: true }));
      else
        runtime.stdout.write(
          `Key link ${id} deleted: events encrypted with it can no longer be decrypted.\n`,
        );
    });

  del
    .command('data-subject')
    .alias('data-subjects')
    .description('crypto-shred every key link of one or more data subjects')
    .argument('<id...>', 'data subject ids')
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const user = ctx.session;
      const results: { dataSubject: string; deletedKeyLinks: number }[] = [];
      // One at a time, printing as we go: on a failure the lines above say which ids are already done.
      for (const dataSubject of ids) {
        const { deletedKeyLinks } = await user.call((token) => ctx.api.deleteDataSubject(token, dataSubject));
        const result = { dataSubject, deletedKeyLinks };
        results.push(result);
        if (ctx.output !== 'json') runtime.stdout.write(formatDeletedDataSubjects([result]));
      }
      if (ctx.output === 'json') runtime.stdout.write(formatJson(results));
    });
}
