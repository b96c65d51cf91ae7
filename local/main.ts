import './sdk-warning-off';
import { Command, InvalidArgumentError } from 'commander';
import { buildConsole } from '../console/build';
import { hasAccounts } from './accounts-present';
import { consoleSite } from './console-site';
import { DataDirInUseError } from './data-dir-lock';
import { PortInUseError } from './emulators';
import type { EventSourceMappingStats } from './event-source-mapping';
import { type LocalStack, startLocalStack } from './stack';

/** `npm start`: runs the whole pipeline locally until Ctrl-C. */

const STATS_INTERVAL_MS = 30_000;

function timestamped(line: string): void {
  console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError('a port from 0 to 65535');
  return port;
}

function describeStats(stats: EventSourceMappingStats[]): string {
  return stats
    .map(
      (s) =>
        `${s.functionName}←${s.streamName}: processed ${s.processed}, failed ${s.failed}, ` +
        `retried ${s.retried}, dead-lettered ${s.deadLettered}`,
    )
    .join(' | ');
}

function startFailureMessage(err: unknown, port: number): string {
  if (err instanceof PortInUseError) {
    return err.service === 'API gateway'
      ? `Port ${port} is already in use. Start on another port with --port <n> (0 picks a free one).`
      : `${err.message}.`;
  }
  if (err instanceof DataDirInUseError) {
    return `${err.dataDir} is used by another local stack (process ${err.pid}). Stop it or use --data-dir <dir>.`;
  }
  const message = (err as Error)?.message ?? String(err);
  return `Could not start the local stack: ${message}`;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('npm start --')
    .description(
      'Run Privacy Streams locally: HTTP API, WebSocket API, Kinesis, DynamoDB and KMS in one process, each function in its own worker thread',
    )
    .option('--port <port>', 'port of the HTTP and WebSocket API (0 = any free port)', parsePort, 8080)
    .option('--data-dir <dir>', 'where streams, tables, keys and checkpoints are kept', '.strm-local')
    .option('--quiet', 'no request log, and a one-line start banner')
    .option(
      '--bundles <dir>',
      'run the Lambda bundles of this cloud assembly (e.g. cdk.out after `npx cdk synth`) instead of the TypeScript sources',
    )
    .parse();
  const options = program.opts<{ port: number; dataDir: string; quiet?: boolean; bundles?: string }>();

  // A failure outside a request must not take the whole local stack down (functions have their own threads).
  process.on('unhandledRejection', (reason) =>
    timestamped(`unhandled rejection (${(reason as Error)?.name})`),
  );

  let stack: LocalStack;
  try {
    // A fresh build of the web console on every start (under a second): what you see is the source.
    const site = consoleSite(await buildConsole());
    stack = await startLocalStack({
      console: site,
      port: options.port,
      dataDir: options.dataDir,
      quiet: options.quiet,
      bundles: options.bundles,
      log: timestamped,
    });
  } catch (err) {
    console.error(startFailureMessage(err, options.port));
    process.exit(1);
  }

  console.log(await startBanner(stack, options));

  let lastStats = describeStats(stack.stats());
  const statsTimer = setInterval(() => {
    const current = describeStats(stack.stats());
    if (current !== lastStats) timestamped(current);
    lastStats = current;
  }, STATS_INTERVAL_MS);

  let stoppingSince: number | undefined;
  const shutdown = (signal: string) => {
    if (stoppingSince !== undefined) {
      // The same Ctrl-C can arrive twice (terminal process group and a relaying parent): only a later one forces.
      if (Date.now() - stoppingSince < 1000) return;
      console.error('Forced exit.');
      process.exit(1);
    }
    stoppingSince = Date.now();
    timestamped(`${signal}: stopping (finishing in-flight batches)...`);
    clearInterval(statsTimer);
    stack
      .stop()
      .then(() => {
        timestamped('stopped.');
        process.exit(0);
      })
      .catch((err: unknown) => {
        console.error(`Stop failed: ${(err as Error)?.message}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** What `npm start` prints once the stack is up: the URLs, and the next command for this data directory. */
async function startBanner(stack: LocalStack, options: { port: number; quiet?: boolean; bundles?: string }) {
  if (options.quiet)
    return `Privacy Streams: console ${stack.consoleUrl}  API ${stack.apiUrl}  (Ctrl-C stops)`;
  const apiUrlFlag = options.port === 8080 ? '' : ` --api-url ${stack.apiUrl}`;
  const next = (await hasAccounts(stack.environmentOf('management')).catch(() => false))
    ? `  ./bin/strm auth login you@example.com${apiUrlFlag}     (accounts exist in this data directory)`
    : `  ./bin/strm auth signup you@example.com${apiUrlFlag}`;
  return [
    '',
    'Privacy Streams is running locally.',
    `  Console:    ${stack.consoleUrl}   (open it in your browser)`,
    `  API:        ${stack.apiUrl}`,
    `  WebSocket:  ${stack.wsUrl}`,
    `  Data:       ${stack.dataDir}`,
    `  Functions:  ${options.bundles ? `bundles from ${options.bundles}` : 'TypeScript sources (lambdas/handlers)'}`,
    '',
    'Open the console to sign up and watch events, or in another terminal:',
    next,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

void main();
