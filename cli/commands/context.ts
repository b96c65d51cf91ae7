import * as fs from 'node:fs';
import type { Command } from 'commander';
import { ApiClient } from '../api-client';
import { type ContextSettings, normaliseHttpUrl, readConfigFile } from '../config';
import {
  checkContextName,
  contextDir,
  deleteContext,
  findContext,
  LOCAL_CONTEXT,
  listContexts,
  saveContext,
  useContext,
} from '../contexts';
import { formatJson, formatKeyValues, formatTable } from '../output';
import {
  CliError,
  type CliRuntime,
  type CommandContext,
  commandContext,
  type GlobalOptions,
} from '../runtime';
import { savedStreamsDir } from '../saved-entities';
import { listSavedLogins, readSavedLogin } from '../user-session';
import { endSessionOnServer } from './auth';

/** Finds an output by its id; CDK appends a hash when the output sits inside a construct. */
function findOutput(outputs: Record<string, unknown>, id: string): string | undefined {
  const exact = outputs[id];
  if (typeof exact === 'string') return exact;
  const matches = Object.entries(outputs).filter(
    ([key, value]) => typeof value === 'string' && new RegExp(`${id}[0-9A-F]{8}$`).test(key),
  );
  return matches.length === 1 ? (matches[0][1] as string) : undefined;
}

/**
 * The settings in a `cdk deploy --outputs-file` JSON (`{"<stack>": {"HttpApiUrl": …, "WebSocketUrl": …}}`).
 * Picks `stack` when given, else the only stack with an `HttpApiUrl` output.
 */
export function contextFromCdkOutputs(outputsJson: unknown, stack?: string): ContextSettings {
  if (typeof outputsJson !== 'object' || outputsJson === null || Array.isArray(outputsJson)) {
    throw new CliError(
      'The outputs file must contain a JSON object of stacks (from cdk deploy --outputs-file)',
    );
  }
  const stacks = outputsJson as Record<string, unknown>;
  const candidates = Object.entries(stacks).filter(
    ([, outputs]) =>
      typeof outputs === 'object' &&
      outputs !== null &&
      findOutput(outputs as Record<string, unknown>, 'HttpApiUrl') !== undefined,
  );
  let chosen: [string, unknown] | undefined;
  if (stack !== undefined) {
    chosen = candidates.find(([name]) => name === stack);
    if (!chosen) {
      throw new CliError(
        `Stack ${stack} has no HttpApiUrl output in the outputs file (stacks: ${Object.keys(stacks).join(', ') || 'none'})`,
      );
    }
  } else if (candidates.length === 1) {
    chosen = candidates[0];
  } else if (candidates.length === 0) {
    throw new CliError('No stack in the outputs file has an HttpApiUrl output');
  } else {
    throw new CliError(
      `Several stacks in the outputs file: pick one with --stack (${candidates.map(([n]) => n).join(', ')})`,
    );
  }
  const [stackName, outputs] = chosen as [string, Record<string, unknown>];
  const apiUrl = normaliseHttpUrl(findOutput(outputs, 'HttpApiUrl') as string, 'HttpApiUrl');
  const config: ContextSettings = { stack: stackName, apiUrl };
  const wsUrl = findOutput(outputs, 'WebSocketUrl');
  if (wsUrl !== undefined) config.wsUrl = wsUrl;
  const region = findOutput(outputs, 'Region');
  if (region !== undefined) config.region = region;
  const secretArn = findOutput(outputs, 'BootstrapSecretArn');
  if (secretArn !== undefined) config.bootstrapSecretArn = secretArn;
  return config;
}

/** What to type next after adding a deployed stack: the first account, or joining an existing one. */
function nextSteps(name: string, settings: ContextSettings): string {
  let text = `\nBack to the local stack at any time: strm context use ${LOCAL_CONTEXT}\n`;
  if (settings.bootstrapSecretArn) {
    const region = settings.region ? ` --region ${settings.region}` : '';
    text +=
      '\nThe first account of a deployed stack needs its bootstrap secret (readable with AWS credentials):\n' +
      `  export STRM_BOOTSTRAP_SECRET=$(aws secretsmanager get-secret-value${region} --secret-id ${settings.bootstrapSecretArn} ` +
      '--query SecretString --output text)\n' +
      '  strm auth signup <email>       # or leave STRM_BOOTSTRAP_SECRET unset and paste it at the prompt\n' +
      'Teammates join the account once it exists: a user of it runs strm create user <email>, and each teammate\n' +
      `imports the same outputs file (or runs strm context add ${name} --api-url ${settings.apiUrl ?? '<url>'}).\n`;
  }
  return text;
}

function printContext(ctx: CommandContext, verbText: string, name: string, settings: ContextSettings): void {
  const { runtime } = ctx;
  if (ctx.output === 'json') {
    runtime.stdout.write(formatJson({ name, ...settings, current: true }));
    return;
  }
  runtime.stdout.write(
    `${verbText} context ${name} and switched to it.\n` +
      formatKeyValues([
        ['api url', settings.apiUrl ?? ''],
        ['websocket url', settings.wsUrl ?? '(derived from the API URL)'],
      ]) +
      nextSteps(name, settings),
  );
}

/** Adds or updates a context and makes it current; keeps its logins and saved entities. */
function addContext(ctx: CommandContext, name: string, settings: ContextSettings): void {
  const existed = findContext(readConfigFile(ctx.configDir), name) !== undefined;
  saveContext(ctx.configDir, name, settings);
  useContext(ctx.configDir, name);
  printContext(ctx, existed ? 'Updated' : 'Added', name, settings);
}

/** `strm context import|add|list|use|show|delete`. */
export function registerContextCommands(program: Command, runtime: CliRuntime): void {
  const context = program
    .command('context')
    .description('which stack the CLI talks to: local (npm start) or a deployed one');

  context
    .command('import')
    .description(
      'add (or update) a context for a deployed stack from the cdk deploy --outputs-file JSON, and use it',
    )
    .requiredOption('--outputs-file <file>', 'the file written by cdk deploy --outputs-file')
    .option('--stack <name>', 'the stack to use when the file has several')
    .option('--name <name>', 'the context name (default: the stack name)')
    .action((options: { outputsFile: string; stack?: string; name?: string }, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(options.outputsFile, 'utf8'));
      } catch (error) {
        throw new CliError(`Cannot read ${options.outputsFile}: ${(error as Error).message}`);
      }
      const imported = contextFromCdkOutputs(parsed, options.stack);
      const name = options.name ?? imported.stack ?? 'imported';
      if (options.name === undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) {
        throw new CliError(`The stack name ${name} cannot be a context name: pick one with --name <name>`);
      }
      addContext(ctx, checkContextName(name), imported);
    });

  context
    .command('add')
    .description('add (or update) a context by URL, e.g. for a teammate without the outputs file, and use it')
    .argument('<name>', 'the context name')
    .usage('<name> --api-url <url> [--ws-url <url>]')
    .action((name: string, _options: unknown, command: Command) => {
      // --api-url and --ws-url are the global options: here they are the context's URLs.
      const options = command.optsWithGlobals<GlobalOptions>();
      if (!options.apiUrl) {
        throw new CliError(`The stack's URL is missing: strm context add ${name} --api-url <url>`);
      }
      const ctx = commandContext(runtime, { ...options, apiUrl: undefined, wsUrl: undefined });
      const settings: ContextSettings = { apiUrl: normaliseHttpUrl(options.apiUrl, 'API URL') };
      if (options.wsUrl) settings.wsUrl = options.wsUrl;
      addContext(ctx, checkContextName(name), settings);
    });

  context
    .command('list')
    .description('the contexts, and which one is current')
    .action((_options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const config = readConfigFile(ctx.configDir);
      const contexts = listContexts(config).map(({ name, settings }) => {
        const apiUrl = settings.apiUrl ?? '';
        const login = apiUrl ? readSavedLogin(contextDir(ctx.configDir, name), apiUrl) : undefined;
        return { name, apiUrl, current: name === ctx.context.name, loggedInAs: login?.email };
      });
      if (ctx.output === 'json') runtime.stdout.write(formatJson({ contexts }));
      else {
        runtime.stdout.write(
          formatTable(
            ['CURRENT', 'NAME', 'API URL', 'LOGGED IN AS'],
            contexts.map((c) => [c.current ? '*' : '', c.name, c.apiUrl, c.loggedInAs ?? '']),
          ),
        );
      }
    });

  context
    .command('use')
    .description('make a context the current one')
    .argument('<name>', `context name (${LOCAL_CONTEXT} for the local stack)`)
    .action((name: string, _options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const settings = useContext(ctx.configDir, name);
      if (ctx.output === 'json') runtime.stdout.write(formatJson({ name, ...settings, current: true }));
      else runtime.stdout.write(`Switched to context ${name} (${settings.apiUrl ?? ''})\n`);
      if (runtime.env.STRM_CONTEXT) {
        runtime.stderr.write(`Note: STRM_CONTEXT=${runtime.env.STRM_CONTEXT} still wins in this shell\n`);
      }
    });

  context
    .command('show')
    .description('the effective context, API and WebSocket URLs, and where each comes from')
    .action((_options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const info = {
        context: ctx.context.name,
        contextSource: ctx.context.source,
        apiUrl: ctx.endpoints.apiUrl,
        apiUrlSource: ctx.endpoints.apiUrlSource,
        wsUrl: ctx.endpoints.wsUrl,
        wsUrlSource: ctx.endpoints.wsUrlSource,
        configDir: ctx.configDir,
        contextDir: ctx.context.dir,
        savedStreamsDir: savedStreamsDir(ctx.context.dir),
      };
      if (ctx.output === 'json') runtime.stdout.write(formatJson(info));
      else {
        runtime.stdout.write(
          formatKeyValues([
            ['context', `${info.context} (${info.contextSource})`],
            ['api url', `${info.apiUrl} (${info.apiUrlSource})`],
            ['websocket url', `${info.wsUrl} (${info.wsUrlSource})`],
            ['config dir', info.configDir],
            ['saved streams', info.savedStreamsDir],
          ]),
        );
      }
    });

  context
    .command('delete')
    .description(
      'log its saved logins out on the server, then remove the context with them and its stream credentials',
    )
    .argument('<name>', 'context name')
    .option(
      '--force',
      'also when it holds saved stream credentials (their secrets are lost) or its logins cannot be ended on the server',
      false,
    )
    .action(async (name: string, options: { force: boolean }, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const saved = safeCount(savedStreamsDir(contextDir(ctx.configDir, name)));
      if (saved > 0 && !options.force && name !== LOCAL_CONTEXT) {
        throw new CliError(
          `Context ${name} holds the saved credentials of ${saved} ${saved === 1 ? 'stream' : 'streams'}, ` +
            `whose secrets cannot be shown again. Delete it anyway: strm context delete ${name} --force`,
        );
      }
      if (name !== LOCAL_CONTEXT && readConfigFile(ctx.configDir).contexts?.[name]) {
        await logOutSavedLogins(ctx, name, options.force);
      }
      deleteContext(ctx.configDir, name);
      runtime.stdout.write(`Deleted context ${name}\n`);
    });
}

/**
 * Ends the server sessions of a context's saved logins before they are forgotten (a forgotten refresh
 * token would otherwise stay valid until it expires). One that cannot be ended stops the delete, unless
 * `force`.
 */
async function logOutSavedLogins(ctx: CommandContext, name: string, force: boolean): Promise<void> {
  const dir = contextDir(ctx.configDir, name);
  for (const login of listSavedLogins(dir)) {
    const api = new ApiClient({ apiUrl: login.apiUrl, fetch: ctx.runtime.fetch });
    try {
      await endSessionOnServer(api, login.refreshToken);
    } catch (error) {
      if (force) continue;
      throw new CliError(
        `Could not log ${login.email} out at ${login.apiUrl} (${(error as Error).message}); context ${name} is ` +
          `kept. Run this again when the stack answers, or forget its logins anyway: strm context delete ${name} --force`,
      );
    }
  }
}

function safeCount(dir: string): number {
  try {
    return fs.readdirSync(dir).length;
  } catch {
    return 0;
  }
}
