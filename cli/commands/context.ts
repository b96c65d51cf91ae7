import * as fs from 'node:fs';
import type { Command } from 'commander';
import {
  type ConfigFile,
  configFilePath,
  normaliseHttpUrl,
  readConfigFile,
  writeConfigFile,
} from '../config';
import { formatJson, formatKeyValues } from '../output';
import { CliError, type CliRuntime, commandContext, type GlobalOptions } from '../runtime';

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
export function contextFromCdkOutputs(outputsJson: unknown, stack?: string): ConfigFile {
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
  const config: ConfigFile = { stack: stackName, apiUrl };
  const wsUrl = findOutput(outputs, 'WebSocketUrl');
  if (wsUrl !== undefined) config.wsUrl = wsUrl;
  const region = findOutput(outputs, 'Region');
  if (region !== undefined) config.region = region;
  const secretArn = findOutput(outputs, 'BootstrapSecretArn');
  if (secretArn !== undefined) config.bootstrapSecretArn = secretArn;
  return config;
}

/** `strm context import|show`. */
export function registerContextCommands(program: Command, runtime: CliRuntime): void {
  const context = program.command('context').description('which stack the CLI talks to');

  context
    .command('import')
    .description('use a deployed stack: read the cdk deploy --outputs-file JSON and save its URLs')
    .requiredOption('--outputs-file <file>', 'the file written by cdk deploy --outputs-file')
    .option('--stack <name>', 'the stack to use when the file has several')
    .action((options: { outputsFile: string; stack?: string }, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      let parsed: unknown;
      try {
        parsed = JSON.parse(fs.readFileSync(options.outputsFile, 'utf8'));
      } catch (error) {
        throw new CliError(`Cannot read ${options.outputsFile}: ${(error as Error).message}`);
      }
      const imported = contextFromCdkOutputs(parsed, options.stack);
      const config = { ...readConfigFile(ctx.configDir), ...imported };
      if (imported.wsUrl === undefined) delete config.wsUrl;
      writeConfigFile(ctx.configDir, config);
      if (ctx.output === 'json') {
        runtime.stdout.write(formatJson(config));
        return;
      }
      runtime.stdout.write(
        `Saved stack ${imported.stack} to ${configFilePath(ctx.configDir)}\n` +
          formatKeyValues([
            ['api url', config.apiUrl ?? ''],
            ['websocket url', config.wsUrl ?? '(derived from the API URL)'],
          ]),
      );
      if (config.bootstrapSecretArn) {
        runtime.stdout.write(
          '\nTo create the first account, read the bootstrap secret and pass it to sign-up:\n' +
            `  aws secretsmanager get-secret-value --secret-id ${config.bootstrapSecretArn} ` +
            '--query SecretString --output text\n' +
            '  strm auth signup <email> --bootstrap-secret <secret>\n',
        );
      }
    });

  context
    .command('show')
    .description('print the effective API and WebSocket URLs and where they come from')
    .action((_options: unknown, command: Command) => {
      const ctx = commandContext(runtime, command.optsWithGlobals<GlobalOptions>());
      const info = {
        apiUrl: ctx.endpoints.apiUrl,
        apiUrlSource: ctx.endpoints.apiUrlSource,
        wsUrl: ctx.endpoints.wsUrl,
        wsUrlSource: ctx.endpoints.wsUrlSource,
        configDir: ctx.configDir,
      };
      if (ctx.output === 'json') runtime.stdout.write(formatJson(info));
      else {
        runtime.stdout.write(
          formatKeyValues([
            ['api url', `${info.apiUrl} (${info.apiUrlSource})`],
            ['websocket url', `${info.wsUrl} (${info.wsUrlSource})`],
            ['config dir', info.configDir],
          ]),
        );
      }
    });
}
