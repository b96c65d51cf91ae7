import type { Command } from 'commander';
import { batchSender } from '../batch-send';
import { retryingSend } from '../retrying-send';
import { CliError, type CliRuntime, commandContext, type GlobalOptions } from '../runtime';
import { runSimulation, type SendResult } from '../sim-runner';
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

/** The most events `POST /events` takes in one request (lambdas/core/event-batch.ts). */
const MAX_BATCH_EVENTS = 500;

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
  batch?: number;
}

/** Commander parser for `--batch`: 1 … MAX_BATCH_EVENTS. */
function batchSize(value: string): number {
  const n = wholeNumber('--batch', 1)(value);
  if (n > MAX_BATCH_EVENTS)
    throw new CliError(`Invalid --batch '${value}': at most ${MAX_BATCH_EVENTS} events per request`);
  return n;
}

/** Batches of `size` events from the generator; with a `count` of events, the last batch is the rest. */
function batchesOf(
  nextEvent: () => Record<string, unknown>,
  size: number,
  count: number | undefined,
): { count?: number; nextEvent: () => Record<string, unknown>[] } {
  let left = count ?? Number.POSITIVE_INFINITY;
  const next = () => {
    const n = Math.min(size, left);
    left -= n;
    return Array.from({ length: n }, nextEvent);
  };
  return count === undefined ? { nextEvent: next } : { count: Math.ceil(count / size), nextEvent: next };
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
    .option(
      '--batch <n>',
      `send n events per request (POST /events, at most ${MAX_BATCH_EVENTS}) every --interval ms`,
      batchSize,
    )
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

      const perSend = options.batch ? `${options.batch} events` : 'one event';
      runtime.stderr.write(
        `Starting to simulate random ${options.schema} events to stream ${streamName}. ` +
          `Sending ${perSend} every ${options.interval} ms.\n`,
      );
      const signal = runtime.interrupts();
      const onNotice = (text: string) => runtime.stderr.write(`${text}\n`);
      const header = schema.schemaHeader;
      // The token may have been revoked or the server's keys rotated: one retry with a fresh token.
      const withFreshTokenOn401 = async (post: (token: string) => Promise<SendResult>) => {
        const result = await post(await tokens.getToken());
        if (result.status !== 401) return result;
        tokens.invalidate();
        return post(await tokens.getToken());
      };
      const common = {
        intervalMs: options.interval,
        onProgress: options.quiet
          ? undefined
          : (accepted: number) => runtime.stderr.write(sentLine(accepted)),
        signal,
      };
      const result = options.batch
        ? await runSimulation({
            ...common,
            ...batchesOf(nextEvent, options.batch, options.count),
            send: batchSender({
              send: retryingSend({
                send: (events: Record<string, unknown>[]) =>
                  withFreshTokenOn401((token) => ctx.api.sendEvents(token, schema.schemaRef, events, header)),
                signal,
                onNotice,
              }),
              signal,
              onNotice,
            }),
          })
        : await runSimulation({
            ...common,
            count: options.count,
            nextEvent,
            send: retryingSend({
              send: (event: Record<string, unknown>) =>
                withFreshTokenOn401((token) => ctx.api.sendEvent(token, schema.schemaRef, event, header)),
              signal,
              onNotice,
            }),
          });
      if (!options.quiet) runtime.stderr.write(sentLine(result.accepted));
      if (result.rejected) {
        const body = result.rejected.body.trim();
        throw new CliError(`The event gateway answered ${result.rejected.status}${body ? `: ${body}` : ''}`);
      }
    });
}
