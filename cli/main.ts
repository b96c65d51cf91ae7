import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { ApiError, UnreachableError } from './api-client';
import { INTERRUPTED_EXIT_CODE } from './cli-error';
import { registerAuthCommands } from './commands/auth';
import { registerBatchExporterCommands } from './commands/batch-exporter';
import { registerContextCommands } from './commands/context';
import { registerCredentialsCommands } from './commands/credentials';
import { registerCryptoShreddingCommands } from './commands/crypto-shredding';
import { registerEgressCommand } from './commands/egress';
import { registerRegistryCommands } from './commands/registry';
import { registerSimCommands } from './commands/sim';
import { registerStreamCommands } from './commands/stream';
import { registerUsageCommand } from './commands/usage';
import { registerUserCommands } from './commands/users';
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
    .option('-o, --output <format>', 'output format: table or json (get usage: csv too)', 'table')
    .option(
      '--context <name>',
      'the stack to talk to (env STRM_CONTEXT; default: the current context, see strm context list)',
    )
    .option('--api-url <url>', "override the context's API URL (env STRM_API_URL)")
    .option('--ws-url <url>', 'WebSocket URL (env STRM_WS_URL; default derived from the API URL + /ws)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => runtime.stdout.write(text),
      writeErr: (text) => runtime.stderr.write(text),
      // Commander writes `error: …`; every other message of the CLI starts with `Error: `.
      outputError: (text, write) => write(text.replace(/^error: /, 'Error: ')),
    })
    .showHelpAfterError('(add --help for usage)');
  registerAuthCommands(program, runtime);
  registerStreamCommands(program, runtime);
  // After the stream commands: adds to their `get` and `delete` verbs.
  registerCryptoShreddingCommands(program, runtime);
  registerCredentialsCommands(program, runtime);
  registerUsageCommand(program, runtime);
  registerUserCommands(program, runtime);
  registerRegistryCommands(program, runtime);
  // After the stream commands too: adds to their `create`, `list`, `get` and `delete` verbs.
  registerBatchExporterCommands(program, runtime);
  registerSimCommands(program, runtime);
  registerEgressCommand(program, runtime);
  registerContextCommands(program, runtime);
  return program;
}

/**
 * Runs one command line (without `node strm`); resolves with the exit code. A command stopped by Ctrl-C
 * exits 130 (143 for SIGTERM), as shells expect, also when stopping made it fail.
 */
export async function runCli(argv: readonly string[], runtime: CliRuntime): Promise<number> {
  let interrupts: AbortSignal | undefined;
  const tracked: CliRuntime = {
    ...runtime,
    interrupts: () => {
      interrupts = runtime.interrupts();
      return interrupts;
    },
  };
  let code: number;
  try {
    await buildProgram(tracked).parseAsync([...argv], { from: 'user' });
    code = 0;
  } catch (error) {
    if (interrupts?.aborted) return interruptedExitCode(interrupts);
    code = reportError(error, runtime);
  }
  return interrupts?.aborted ? interruptedExitCode(interrupts) : code;
}

function interruptedExitCode(signal: AbortSignal): number {
  return typeof signal.reason === 'number' ? signal.reason : INTERRUPTED_EXIT_CODE;
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
        const onSignal = (exitCode: number) => () => {
          if (current.signal.aborted) process.exit(exitCode);
          current.abort(exitCode);
        };
        process.on('SIGINT', onSignal(INTERRUPTED_EXIT_CODE));
        process.on('SIGTERM', onSignal(143));
      }
      return controller.signal;
    },
  };
}

/** Entry point used by bin/strm. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // `strm egress … | head -1`: once the reader is gone there is nobody left to print for, so that is a
  // normal end (exit 0), not a crash with an EPIPE stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
  }
  const code = await runCli(argv, processRuntime());
  // Exit explicitly so idle keep-alive sockets do not hold the process; flush stdout/stderr first.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
