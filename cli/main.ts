import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { ApiError, UnreachableError } from './api-client';
import { registerAuthCommands } from './commands/auth';
import { registerContextCommands } from './commands/context';
import { registerCryptoShreddingCommands } from './commands/crypto-shredding';
import { registerEgressCommand } from './commands/egress';
import { registerSimCommands } from './commands/sim';
import { registerStreamCommands } from './commands/stream';
import { CliError, type CliRuntime } from './runtime';

function cliVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The `strm` command tree, writing to the runtime's stdout/stderr and never exiting the process itself. */
export function buildProgram(runtime: CliRuntime): Command {
  const program = new Command('strm')
    .description('Privacy Streams CLI: accounts, streams, simulator and egress')
    .version(cliVersion(), '--version', 'print the CLI version')
    .option('-o, --output <format>', 'output format: table or json', 'table')
    .option('--api-url <url>', 'API base URL (env STRM_API_URL; default http://127.0.0.1:8080)')
    .option('--ws-url <url>', 'WebSocket URL (env STRM_WS_URL; default derived from the API URL + /ws)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => runtime.stdout.write(text),
      writeErr: (text) => runtime.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)');
  registerAuthCommands(program, runtime);
  registerStreamCommands(program, runtime);
  // After the stream commands: adds to their `get` and `delete` verbs.
  registerCryptoShreddingCommands(program, runtime);
  registerSimCommands(program, runtime);
  registerEgressCommand(program, runtime);
  registerContextCommands(program, runtime);
  return program;
}

/** Runs one command line (without `node strm`); resolves with the exit code. */
export async function runCli(argv: readonly string[], runtime: CliRuntime): Promise<number> {
  try {
    await buildProgram(runtime).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    return reportError(error, runtime);
  }
}

function reportError(error: unknown, runtime: CliRuntime): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message or the help text.
    return error.exitCode;
  }
  if (error instanceof UnreachableError) {
    runtime.stderr.write(`${error.message}\n`);
    return 1;
  }
  if (error instanceof CliError) {
    runtime.stderr.write(`Error: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof ApiError || error instanceof Error) {
    runtime.stderr.write(`Error: ${error.message}\n`);
    return 1;
  }
  runtime.stderr.write(`Error: ${String(error)}\n`);
  return 1;
}

/** The runtime of the real process; Ctrl-C first asks long-running commands to stop, twice exits. */
export function processRuntime(): CliRuntime {
  let controller: AbortController | undefined;
  return {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    interrupts() {
      if (!controller) {
        const current = new AbortController();
        controller = current;
        const onSignal = () => {
          if (current.signal.aborted) process.exit(130);
          current.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      }
      return controller.signal;
    },
  };
}

/** Entry point used by bin/strm. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const code = await runCli(argv, processRuntime());
  // Exit explicitly so idle keep-alive sockets do not hold the process; flush stdout/stderr first.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
