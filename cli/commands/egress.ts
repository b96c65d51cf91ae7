import type { Command } from 'commander';
import { runEgress } from '../egress-client';
import { type CliRuntime, commandContext, type GlobalOptions } from '../runtime';
import {
  assertTokenForStream,
  decodeStreamTokenClaims,
  firstStreamToken,
  resolveStreamCredentials,
} from '../stream-credentials';
import { StreamTokenProvider } from '../stream-token';
import { wholeNumber } from './sim';

interface EgressFlags {
  clientId?: string;
  clientSecret?: string;
  count?: number;
}

/** `strm egress STREAM`: print the stream's events, one JSON line each, until Ctrl-C. */
export function registerEgressCommand(program: Command, runtime: CliRuntime): void {
  program
    .command('egress')
    .description('print the events of a stream as JSON lines (Ctrl-C to stop)')
    .argument('<stream>', 'stream name (source or derived)')
    .option('--client-id <id>', 'stream client id (default: the saved stream)')
    .option('--client-secret <secret>', 'stream client secret (default: the saved stream)')
    .option('--count <n>', 'exit after this many events', wholeNumber('--count', 1))
    .action(async (streamName: string, options: EgressFlags, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const { credentials } = await resolveStreamCredentials(ctx, streamName, options);
      const tokens = new StreamTokenProvider(ctx.api, credentials.clientId, credentials.clientSecret);
      const firstToken = await firstStreamToken(tokens, streamName);
      assertTokenForStream(decodeStreamTokenClaims(firstToken), streamName);
      await runEgress({
        wsUrl: ctx.endpoints.wsUrl,
        streamName,
        getToken: () => tokens.getToken(),
        onEvent: (line) => runtime.stdout.write(`${line}\n`),
        onNotice: (text) => runtime.stderr.write(`${text}\n`),
        signal: runtime.interrupts(),
        count: options.count,
        batchFrames: true,
        checkAccess: () => {
          tokens.invalidate();
          return tokens.getToken();
        },
      });
    });
}
