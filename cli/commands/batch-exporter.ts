import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import type { CreateBatchExporterRequest, ExportFile } from '../api-client';
import {
  formatBatchExporter,
  formatBatchExporterList,
  formatExportFiles,
  KEY_STREAM_NOTE,
} from '../batch-exporter-output';
import { formatJson } from '../output';
import { type CliRuntime, type CommandContext, commandContext, type GlobalOptions } from '../runtime';
import { UserSession } from '../user-session';
import { verb } from './verbs';

interface CreateOptions {
  name?: string;
  interval?: number;
  pathPrefix?: string;
  includeExistingEvents?: boolean;
  bucket?: string;
  exportKeys?: boolean;
}

function parseInterval(value: string): number {
  const seconds = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(seconds))
    throw new InvalidArgumentError('a number of seconds (30–3600)');
  return seconds;
}

/** The management API request for `strm create batch-exporter STREAM …`. */
export function createBatchExporterRequest(
  stream: string,
  options: CreateOptions,
): CreateBatchExporterRequest {
  return {
    stream,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.exportKeys ? { kind: 'keys' as const } : {}),
    ...(options.interval !== undefined ? { interval: options.interval } : {}),
    ...(options.pathPrefix !== undefined ? { pathPrefix: options.pathPrefix } : {}),
    ...(options.includeExistingEvents ? { includeExistingEvents: true } : {}),
    ...(options.bucket !== undefined ? { bucket: options.bucket } : {}),
  };
}

function session(ctx: CommandContext): UserSession {
  return new UserSession(ctx.api, ctx.context.dir);
}

/** Every file of an exporter, following the API's pages. */
async function allFiles(ctx: CommandContext, user: UserSession, name: string): Promise<ExportFile[]> {
  const files: ExportFile[] = [];
  let after: string | undefined;
  do {
    const page = await user.call((token) => ctx.api.listExportFiles(token, name, after));
    files.push(...page.files);
    after = page.next;
  } while (after !== undefined);
  return files;
}

/** Downloads files into a folder (created 0700, files 0600: key streams are secrets); the paths written. */
async function fetchFiles(
  ctx: CommandContext,
  user: UserSession,
  name: string,
  files: ExportFile[],
  dir: string,
) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const written: string[] = [];
  for (const file of files) {
    const { url } = await user.call((token) => ctx.api.exportFileUrl(token, name, file.name));
    const target = path.join(dir, file.name);
    fs.writeFileSync(target, await ctx.api.download(url), { mode: 0o600 });
    written.push(target);
  }
  return written;
}

type ContextOf = (command: Command) => CommandContext;

/** `strm create|list|get|delete batch-exporter(s)` and `strm get batch-export-files`. */
export function registerBatchExporterCommands(program: Command, runtime: CliRuntime): void {
  const context: ContextOf = (command) => commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
  registerCreate(program, runtime, context);
  registerListGetDelete(program, runtime, context);
  registerExportFiles(program, runtime, context);
}

function registerCreate(program: Command, runtime: CliRuntime, context: ContextOf): void {
  verb(program, 'create', 'create an entity')
    .command('batch-exporter')
    .description(
      "export a stream to S3 as JSON Lines, a file per interval and shard (with --export-keys: a source stream's key stream)",
    )
    .argument('<stream>', 'the stream to export (source or derived)')
    .option('--name <name>', 'exporter name (default <stream>-export, or <stream>-keys)')
    .option('--interval <seconds>', 'seconds per file, 30–3600 (default 60)', parseInterval)
    .option('--path-prefix <prefix>', "folder under your account's folder in the bucket (no trailing '/')")
    .option(
      '--include-existing-events',
      'also export the events the stream still holds (default: from now on)',
    )
    .option('--bucket <bucket>', 'a bucket the deployer granted (default: the stack exports bucket)')
    .option('--export-keys', "export the stream's key links (Tink keysets) instead of its events")
    .action(async (stream: string, options: CreateOptions, command: Command) => {
      const ctx = context(command);
      const request = createBatchExporterRequest(stream, options);
      const created = await session(ctx).call((token) => ctx.api.createBatchExporter(token, request));
      runtime.stdout.write(ctx.output === 'json' ? formatJson(created) : formatBatchExporter(created));
      if (created.kind === 'keys') runtime.stderr.write(KEY_STREAM_NOTE);
    });
}

function registerListGetDelete(program: Command, runtime: CliRuntime, context: ContextOf): void {
  verb(program, 'list', 'list entities')
    .command('batch-exporters')
    .description('list your batch exporters and key streams')
    .action(async (_options: unknown, command: Command) => {
      const ctx = context(command);
      const exporters = await session(ctx).call((token) => ctx.api.listBatchExporters(token));
      runtime.stdout.write(
        ctx.output === 'json'
          ? formatJson({ batchExporters: exporters })
          : formatBatchExporterList(exporters),
      );
    });

  verb(program, 'get', 'show one entity')
    .command('batch-exporter')
    .description('show a batch exporter')
    .argument('<name>', 'exporter name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      const exporter = await session(ctx).call((token) => ctx.api.getBatchExporter(token, name));
      runtime.stdout.write(ctx.output === 'json' ? formatJson(exporter) : formatBatchExporter(exporter));
    });

  verb(program, 'delete', 'delete an entity')
    .command('batch-exporter')
    .description('delete a batch exporter (its files stay; events not yet written to a file are dropped)')
    .argument('<name>', 'exporter name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const ctx = context(command);
      await session(ctx).call((token) => ctx.api.deleteBatchExporter(token, name));
      runtime.stdout.write(
        ctx.output === 'json' ? formatJson({ name, deleted: true }) : `Deleted batch exporter ${name}\n`,
      );
    });
}

function registerExportFiles(program: Command, runtime: CliRuntime, context: ContextOf): void {
  verb(program, 'get', 'show one entity')
    .command('batch-export-files')
    .description('list the files a batch exporter wrote; with FILE print one, with --fetch download them all')
    .argument('<exporter>', 'exporter name')
    .argument('[file]', 'print this file (JSON Lines) to stdout')
    .option('--fetch', 'download every file into --output-dir')
    .option('--output-dir <dir>', 'where --fetch puts the files (default ./<exporter>)')
    .action(
      async (
        name: string,
        file: string | undefined,
        options: { fetch?: boolean; outputDir?: string },
        command: Command,
      ) => {
        const ctx = context(command);
        const user = session(ctx);
        if (file !== undefined) {
          const { url } = await user.call((token) => ctx.api.exportFileUrl(token, name, file));
          runtime.stdout.write(await ctx.api.download(url));
          return;
        }
        const files = await allFiles(ctx, user, name);
        if (options.fetch) {
          const written = await fetchFiles(ctx, user, name, files, options.outputDir ?? name);
          runtime.stdout.write(
            ctx.output === 'json' ? formatJson({ files: written }) : written.map((p) => `${p}\n`).join(''),
          );
          return;
        }
        runtime.stdout.write(ctx.output === 'json' ? formatJson({ files }) : formatExportFiles(files));
      },
    );
}
