import type { Command } from 'commander';
import { retryingSend } from '../retrying-send';
import { CliError, type CliRuntime, commandContext, type GlobalOptions } from '../runtime';
import { runSimulation } from '../sim-runner';
import {
  createEventGenerator,
  DEFAULT_CONSENT_LEVELS,
  DEFAULT_SIM_SCHEMA,
  findSimSchema,
  parseConsentLevelChoices,
  SIM_SCHEMA_NAMES,
} from '../simulator';
import {
  assertTokenForStream,
  decodeStreamTokenClaims,
  firstStreamToken,
  resolveStreamCredentials,
} from '../stream-credentials';
import { StreamTokenProvider } from '../stream-token';

export const DERIVED_STREAM_SIM_REFUSAL = "You can't run a simulator on a derived stream";

/** Commander parser for a whole number ≥ min. */
export function wholeNumber(flag: string, min: number): (value: string) => number {
  return (value) => {
    if (!/^\d{1,12}$/.test(value.trim()) || Number(value) < min) {
      throw new CliError(`Invalid ${flag} '${value}': expected a whole number ≥ ${min}`);
    }
    return Number(value);
  };
}

/** Commander collector for `--consent-levels`: comma-separated items, repeatable; an empty item means none. */
export function collectConsentItems(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',')];
}

interface SimOptions {
  interval: number;
  sessionRange: number;
  sessionPrefix: string;
  consentLevels?: string[];
  schema: string;
  clientId?: string;
  clientSecret?: string;
  quiet?: boolean;
  count?: number;
}

function sentLine(accepted: number): string {
  return `Sent ${accepted} ${accepted === 1 ? 'event' : 'events'}\n`;
}

/**
 * `strm sim run-random STREAM` (the original v1 name) and `strm simulate random-events STREAM` (its later
 * name): the same command.
 */
export function registerSimCommands(program: Command, runtime: CliRuntime): void {
  addRandomEvents(program.command('sim').description('simulate events'), 'run-random', runtime);
  addRandomEvents(
    program.command('simulate').description('simulate events (the later name of sim)'),
    'random-events',
    runtime,
  );
}

function addRandomEvents(parent: Command, name: string, runtime: CliRuntime): void {
  parent
    .command(name)
    .description('send random events to a source stream, one every --interval ms')
    .argument('<stream>', 'source stream name')
    .option('--interval <ms>', 'milliseconds between events', wholeNumber('--interval', 0), 1000)
    .option('--session-range <n>', 'number of distinct sessions', wholeNumber('--session-range', 1), 1000)
    .option('--session-prefix <prefix>', 'prefix of the session ids', 'session')
    .option(
      '--consent-levels <items>',
      'consent choices, comma-separated or repeated; levels in an item separated by / ("" = none) ' +
        `(default: "${DEFAULT_CONSENT_LEVELS.join(',')}")`,
      collectConsentItems,
    )
    .option(
      '--schema <schema>',
      `event schema: ${SIM_SCHEMA_NAMES.join(', ')} (clickstream: the legacy shape, strmMeta.schemaId)`,
      DEFAULT_SIM_SCHEMA,
    )
    .option('--client-id <id>', 'stream client id (default: the saved stream)')
    .option('--client-secret <secret>', 'stream client secret (default: the saved stream)')
    .option('--quiet', "don't print progress to stderr", false)
    .option('--count <n>', 'stop after this many events', wholeNumber('--count', 1))
    .action(async (streamName: string, options: SimOptions, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const schema = findSimSchema(options.schema);
      const consentChoices = parseConsentLevelChoices(options.consentLevels ?? DEFAULT_CONSENT_LEVELS);
      const nextEvent = createEventGenerator({
        schema,
        sessionRange: options.sessionRange,
        sessionPrefix: options.sessionPrefix,
        consentChoices,
      });
      const { credentials, savedStream } = await resolveStreamCredentials(ctx, streamName, options);
      if (savedStream?.linkedStream) throw new CliError(DERIVED_STREAM_SIM_REFUSAL);

      const tokens = new StreamTokenProvider(ctx.api, credentials.clientId, credentials.clientSecret);
      const firstToken = await firstStreamToken(tokens, streamName);
      const claims = decodeStreamTokenClaims(firstToken);
      if (claims.derived === true) throw new CliError(DERIVED_STREAM_SIM_REFUSAL);
      assertTokenForStream(claims, streamName);

      runtime.stderr.write(
        `Starting to simulate random ${options.schema} events to stream ${streamName}. ` +
          `Sending one event every ${options.interval} ms.\n`,
      );
      const signal = runtime.interrupts();
      const sendOnce = async (event: Record<string, unknown>) => {
        const header = schema.schemaHeader;
        const result = await ctx.api.sendEvent(await tokens.getToken(), schema.schemaRef, event, header);
        if (result.status !== 401) return result;
        // The token may have been revoked or the server's keys rotated: one retry with a fresh token.
        tokens.invalidate();
        return ctx.api.sendEvent(await tokens.getToken(), schema.schemaRef, event, header);
      };
      const send = retryingSend({
        send: sendOnce,
        signal,
        onNotice: (text) => runtime.stderr.write(`${text}\n`),
      });
      const result = await runSimulation({
        intervalMs: options.interval,
        count: options.count,
        nextEvent,
        send,
        onProgress: options.quiet ? undefined : (accepted) => runtime.stderr.write(sentLine(accepted)),
        signal,
      });
      if (!options.quiet) runtime.stderr.write(sentLine(result.accepted));
      if (result.rejected) {
        const body = result.rejected.body.trim();
        throw new CliError(`The event gateway answered ${result.rejected.status}${body ? `: ${body}` : ''}`);
      }
    });
}
