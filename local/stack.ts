import './sdk-warning-off';
import { resolve } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { CONSOLE_PATH } from '../console/security-headers';
import type { FunctionName } from '../lib/topology';
import { type BackpressureOptions, backpressure } from './backpressure';
import type { ConsoleSite } from './console-site';
import { lockDataDir } from './data-dir-lock';
import { ownerOnlyFiles, secureDataDir } from './data-dir-permissions';
import { startEmulatorsInThread } from './emulator-thread';
import { type Emulators, PortInUseError } from './emulators';
import type { EventSourceMapping, EventSourceMappingStats } from './event-source-mapping';
import { localFunctionEnv } from './function-env';
import { type Gateway, startGateway } from './gateway';
import { localKinesisClient } from './local-clients';
import {
  byFunction,
  type FunctionCode,
  type LocalFunctions,
  type LocalHandlers,
  startLocalFunctions,
} from './local-functions';
import { type MappingTuning, startLocalMappings } from './local-mappings';
import { type LocalSchedules, startLocalSchedules } from './local-schedules';
import { ensureLocalResources } from './resources';

/**
 * The topology (lib/topology.ts) on one machine: emulators (in a thread of their own) with its tables and
 * streams, the gateway
 * (HTTP API + WebSocket API + @connections) with its routes, its functions — each in its own worker
 * thread with only its own variables, running the TypeScript sources or the cdk.out bundles — its
 * event-source mappings and its schedules. State lives in the data directory, so a restart keeps accounts, keys and
 * unconsumed events.
 */

export interface LocalStackOptions {
  /** Gateway port; default 8080, 0 = ephemeral. */
  port?: number;
  /** Default `.strm-local` (relative to the working directory). */
  dataDir?: string;
  /** No request log lines. */
  quiet?: boolean;
  /** Where log lines go (default console.log). */
  log?: (line: string) => void;
  /** Default 127.0.0.1. */
  host?: string;
  /** Run the bundles of this cloud assembly (`cdk.out` after `cdk synth`) instead of the TypeScript sources. */
  bundles?: string;
  /** Serve the web console at /console/ (npm start passes a fresh build of console/). */
  console?: ConsoleSite;
  /** Test hook: handlers in this process instead of the functions' workers. */
  handlers?: LocalHandlers;
  /** Test hook: tuning of every event source mapping (poll interval, retry delay...). */
  eventSourceMapping?: MappingTuning;
  /** When ingest sheds load (429) because the pipeline is behind. */
  backpressure?: BackpressureOptions;
  /** Test hook: short export intervals (below the 30 s users get) and a faster export tick. */
  exports?: { minimumIntervalSeconds?: number; tickIntervalMs?: number };
}

export interface LocalStack {
  apiUrl: string;
  /** The web console's URL, when the stack serves it. */
  consoleUrl?: string;
  wsUrl: string;
  /** The loopback `@connections` endpoint (signed requests only), the functions' WS_CALLBACK_URL. */
  connectionsUrl: string;
  dataDir: string;
  /** What the functions run: `source` (TypeScript), `bundles` (cdk.out) or `in-process` (test handlers). */
  code: FunctionCode['kind'];
  /** The whole environment a function's worker gets (in-process test handlers share this process's). */
  environmentOf(name: FunctionName): Record<string, string>;
  /** Per function, every file it has loaded so far (functions in workers only). */
  loadedModules(): Promise<Partial<Record<FunctionName, string[]>>>;
  /** Stops the pollers (finishing in-flight batches), the gateway, the functions and the emulators; idempotent. */
  stop(): Promise<void>;
  stats(): EventSourceMappingStats[];
}

function codeOf(opts: LocalStackOptions): FunctionCode {
  if (opts.handlers) return { kind: 'in-process', handlers: opts.handlers };
  if (opts.bundles) return { kind: 'bundles', cloudAssembly: opts.bundles };
  return { kind: 'source' };
}

/** Handlers for the gateway before the functions run (it answers 503 until the stack is ready). */
function lateBound(): { handlers: LocalHandlers; bind(functions: LocalHandlers): void } {
  let bound: LocalHandlers | undefined;
  const handlers = byFunction<LocalHandlers[FunctionName]>((name) => (event, context) => {
    if (!bound) throw new Error(`${name} is not running yet`);
    return bound[name](event, context);
  });
  return { handlers, bind: (functions) => (bound = functions) };
}

async function listenGateway(
  port: number,
  opts: Omit<Parameters<typeof startGateway>[0], 'port'>,
): Promise<Gateway> {
  try {
    return await startGateway({ ...opts, port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new PortInUseError('API gateway', port);
    throw err;
  }
}

/** Starts the local stack; on failure everything already started is stopped again before rethrowing. */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = resolve(opts.dataDir ?? '.strm-local');
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? ((line: string) => console.log(line));
  const code = codeOf(opts);
  const restoreUmask = ownerOnlyFiles();
  try {
    secureDataDir(dataDir);
  } catch (err) {
    restoreUmask();
    throw err;
  }
  const unlock = lockDataDir(dataDir);

  let emulators: Emulators | undefined;
  let gateway: Gateway | undefined;
  let functions: LocalFunctions | undefined;
  let mappings: EventSourceMapping[] = [];
  let schedules: LocalSchedules | undefined;
  let kinesis: KinesisClient | undefined;
  let envs: Record<FunctionName, Record<string, string>> | undefined;
  let ready = false;
  let stopped: Promise<void> | undefined;

  const stopAll = async () => {
    ready = false;
    await Promise.all([...mappings.map((m) => m.stop()), schedules?.stop()]);
    await gateway?.close();
    await functions?.stop();
    kinesis?.destroy();
    await emulators?.close();
    unlock();
    restoreUmask();
  };

  try {
    emulators = await startEmulatorsInThread({ dataDir, host });
    await ensureLocalResources(emulators);
    const late = lateBound();
    gateway = await listenGateway(opts.port ?? 8080, {
      host,
      handlers: late.handlers,
      log: opts.quiet ? undefined : log,
      isReady: () => ready,
      connectionsCredentials: emulators.credentials,
      shedLoad: backpressure(() => mappings.map((m) => m.stats()), opts.backpressure),
      console: opts.console,
    });
    const endpoints = { ...emulators, callbackUrl: gateway.connectionsUrl! };
    const minimumInterval = opts.exports?.minimumIntervalSeconds;
    // Only management reads it, and only where a test lowers the interval users may choose (30 s).
    const overrides = (name: FunctionName): Record<string, string> =>
      name === 'management' && minimumInterval !== undefined
        ? { EXPORT_MIN_INTERVAL_SECONDS: String(minimumInterval) }
        : {};
    const env = byFunction((name) => localFunctionEnv(name, endpoints, process.env, overrides(name)));
    envs = env;
    functions = await startLocalFunctions({ code, envOf: (name) => env[name], log });
    late.bind(functions.handlers);
    kinesis = localKinesisClient({ endpoint: emulators.kinesisUrl, credentials: emulators.credentials });
    mappings = await startLocalMappings({
      kinesis,
      handlers: functions.handlers,
      dataDir,
      log,
      tuning: opts.eventSourceMapping,
    });
    schedules = startLocalSchedules({
      handlers: functions.handlers,
      log,
      intervalMs: opts.exports?.tickIntervalMs,
    });
    ready = true;
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }

  const started = { gateway, functions, envs };
  return {
    apiUrl: started.gateway.url,
    consoleUrl: opts.console ? `${started.gateway.url}${CONSOLE_PATH}` : undefined,
    wsUrl: started.gateway.wsUrl,
    connectionsUrl: started.gateway.connectionsUrl!,
    dataDir,
    code: code.kind,
    environmentOf: (name) => ({ ...started.envs[name] }),
    loadedModules: () => started.functions.loadedModules(),
    stats: () => mappings.map((m) => m.stats()),
    stop() {
      stopped ??= stopAll();
      return stopped;
    },
  };
}
