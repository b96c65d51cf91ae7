import type { Command } from 'commander';
import { ApiError, type ConsentLevelType, type CreateStreamRequest } from '../api-client';
import { formatStreamExporters } from '../batch-exporter-output';
import { formatCreatedStream, formatJson, formatStreamDetails, formatStreamList } from '../output';
import {
  CliError,
  type CliRuntime,
  type CommandContext,
  commandContext,
  type GlobalOptions,
} from '../runtime';
import { assertSaveKeepsOtherStacks, deleteSavedStream, saveStream } from '../saved-entities';
import { UserSession } from '../user-session';

/** Commander collector for `--levels 1,3 --levels 5` → [1, 3, 5]. */
export function collectLevels(value: string, previous: number[] = []): number[] {
  const levels = value.split(',').map((part) => {
    const trimmed = part.trim();
    if (!/^\d{1,9}$/.test(trimmed)) {
      throw new CliError(`Invalid --levels value '${value}': expected non-negative integers like 0 or 1,3`);
    }
    return Number(trimmed);
  });
  return [...previous, ...levels];
}

/** Commander collector for `--tags a,b --tags c` → ['a', 'b', 'c']. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ];
}

export function parseConsentType(value: string): ConsentLevelType {
  const upper = value.toUpperCase();
  if (upper === 'CUMULATIVE' || upper === 'GRANULAR') return upper;
  throw new CliError(`Invalid --consent-type '${value}': use CUMULATIVE or GRANULAR`);
}

export interface CreateStreamOptions {
  derivedFrom?: string;
  levels?: number[];
  consentType?: ConsentLevelType;
  description?: string;
  tags?: string[];
  save?: boolean;
}

/** The management API request for `strm create stream [NAME] …`; rejects inconsistent flags. */
export function createStreamRequest(
  name: string | undefined,
  options: CreateStreamOptions,
): CreateStreamRequest {
  const levels = options.levels ?? [];
  const request: CreateStreamRequest = {};
  if (name !== undefined) request.name = name;
  if (options.derivedFrom !== undefined) {
    if (levels.length === 0) throw new CliError('--levels is required with --derived-from (e.g. --levels 0)');
    request.linkedStream = options.derivedFrom;
    request.consentLevels = levels;
    request.consentLevelType = options.consentType ?? 'CUMULATIVE';
  } else {
    if (name === undefined) throw new CliError('A stream name is required: strm create stream <name>');
    if (levels.length > 0 || options.consentType !== undefined) {
      throw new CliError('--levels and --consent-type only apply to derived streams (use --derived-from)');
    }
  }
  if (options.description !== undefined) request.description = options.description;
  if (options.tags !== undefined && options.tags.length > 0) request.tags = options.tags;
  return request;
}

function session(ctx: CommandContext): UserSession {
  return new UserSession(ctx.api, ctx.context.dir);
}

/**
 * The API's refusals of `create stream` in the words of the command line (the API names its body fields;
 * the user typed flags), each with what to type next.
 */
export function explainCreateFailure(
  error: unknown,
  name: string | undefined,
  options: CreateStreamOptions,
): unknown {
  if (!(error instanceof ApiError) || options.derivedFrom === undefined) return error;
  const source = options.derivedFrom;
  if (error.status === 400 && /^linkedStream '.*' does not exist$/.test(error.message)) {
    return new CliError(
      `Source stream ${source} (--derived-from) does not exist. Create it first: strm create stream ${source} --save ` +
        '(your streams: strm list streams)',
    );
  }
  if (error.status === 400 && /^linkedStream '.*' is a derived stream/.test(error.message)) {
    return new CliError(
      `${source} (--derived-from) is a derived stream: derive from its source stream instead`,
    );
  }
  if (error.status === 409 && name === undefined) {
    const flags = [
      `--derived-from ${source}`,
      `--levels ${(options.levels ?? []).join(',')}`,
      ...(options.consentType ? [`--consent-type ${options.consentType}`] : []),
      ...(options.save ? ['--save'] : []),
    ].join(' ');
    const suggestion = `${source}-${(options.consentType ?? 'cumulative').toLowerCase()}-${(options.levels ?? []).join('-')}`;
    return new CliError(
      `${error.message}\nThe default name of a derived stream is <source>-<levels>, and that one is taken. ` +
        `Give this stream its own name: strm create stream ${suggestion} ${flags}`,
    );
  }
  return error;
}

/** `strm create|list|get|delete stream(s)`. */
export function registerStreamCommands(program: Command, runtime: CliRuntime): void {
  const create = program.command('create').description('create an entity');
  create
    .command('stream')
    .description('create a source stream, or a derived (privacy) stream with --derived-from')
    .argument('[name]', 'stream name (derived streams default to <source>-<levels>)')
    .option('-D, --derived-from <stream>', 'create a derived stream of this source stream')
    .option(
      '-L, --levels <levels>',
      'consent levels of a derived stream, comma-separated or repeated',
      collectLevels,
    )
    .option('--consent-type <type>', 'CUMULATIVE (default) or GRANULAR', parseConsentType)
    .option('--description <text>', 'description')
    .option('--tags <tags>', 'tags, comma-separated or repeated', collectList)
    .option('--save', 'save the stream with its credentials for sim and egress', false)
    .action(async (name: string | undefined, options: CreateStreamOptions, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const request = createStreamRequest(name, options);
      const { apiUrl } = ctx.endpoints;
      if (options.save && name !== undefined) {
        assertSaveKeepsOtherStacks(ctx.context.dir, name, apiUrl, ctx.context.name);
      }
      const created = await session(ctx)
        .call((token) => ctx.api.createStream(token, request))
        .catch((error: unknown) => {
          throw explainCreateFailure(error, name, options);
        });
      // The secret exists only in this response: a failed save must not swallow it.
      let savedFile: string | undefined;
      let saveError: unknown;
      if (options.save) {
        try {
          assertSaveKeepsOtherStacks(ctx.context.dir, created.stream.name, apiUrl, ctx.context.name);
          savedFile = saveStream(ctx.context.dir, { ...created, apiUrl });
        } catch (error) {
          saveError = error;
        }
      }
      if (ctx.output === 'json') runtime.stdout.write(formatJson(created));
      else runtime.stdout.write(formatCreatedStream(created, savedFile));
      if (saveError !== undefined) {
        throw new CliError(
          `The stream was created, but its credentials could not be saved (${(saveError as Error).message}). ` +
            'Keep the client secret printed above: it is not shown again.',
        );
      }
    });

  const list = program.command('list').description('list entities');
  list
    .command('streams')
    .description('list your streams')
    .action(async (_options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const streams = await session(ctx).call((token) => ctx.api.listStreams(token));
      if (ctx.output === 'json') runtime.stdout.write(formatJson({ streams }));
      else runtime.stdout.write(formatStreamList(streams));
    });

  const get = program.command('get').description('show one entity');
  get
    .command('stream')
    .description('show a stream and its derived streams')
    .argument('<name>', 'stream name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const result = await session(ctx).call((token) => ctx.api.getStream(token, name));
      if (ctx.output === 'json') runtime.stdout.write(formatJson(result));
      else
        runtime.stdout.write(
          formatStreamDetails(result.stream, result.derived ?? []) +
            formatStreamExporters(result.batchExporters),
        );
    });

  const del = program.command('delete').description('delete an entity');
  del
    .command('stream')
    .description('delete a stream (with --recursive also its derived streams) and their saved files')
    .argument('<name>', 'stream name')
    .option('-r, --recursive', 'also delete its derived streams and batch exporters', false)
    .action(async (name: string, options: { recursive: boolean }, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const result = await session(ctx)
        .call((token) => ctx.api.deleteStream(token, name, options.recursive))
        .catch((error: unknown) => {
          if (error instanceof ApiError && error.status === 409 && !options.recursive) {
            // The API's own hint names its query parameter; the CLI's is the flag.
            const reason = error.message.split(';')[0];
            throw new CliError(`${reason}\nTo delete them too: strm delete stream ${name} --recursive`);
          }
          throw error;
        });
      const deleted = result.deleted ?? [];
      for (const deletedName of deleted) deleteSavedStream(ctx.context.dir, deletedName);
      if (ctx.output === 'json') runtime.stdout.write(formatJson(result));
      else
        runtime.stdout.write(
          `Deleted ${deleted.length === 1 ? 'stream' : 'streams'}: ${deleted.join(', ')}\n` +
            (result.deletedBatchExporters?.length
              ? `Deleted batch exporters: ${result.deletedBatchExporters.join(', ')}\n`
              : ''),
        );
    });
}
