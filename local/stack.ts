import './sdk-warning-off';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { lockDataDir } from './data-dir-lock';
import { type Emulators, emulatorEnv, PortInUseError, startEmulators } from './emulators';
import {
  type EventSourceMapping,
  type EventSourceMappingOptions,
  type EventSourceMappingStats,
  startEventSourceMapping,
} from './event-source-mapping';
import { type Gateway, startGateway } from './gateway';
import { type LocalHandlers, loadLambdaHandlers } from './handlers';
import { localKinesisClient } from './local-clients';
import { ensureLocalResources, LOCAL_STREAMS, resourceEnv } from './resources';

/**
 * The whole pipeline on one machine: emulators, tables and streams, the gateway (HTTP API + WebSocket API
 * + @connections) and the Kinesis event source mappings, all calling the same handler modules as the
 * Lambdas. State lives in the data directory, so a restart keeps accounts, keys and unconsumed events.
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
  /** Test hook: handlers to run instead of lambdas/handlers/*. */
  handlers?: LocalHandlers;
  /** Test hook: tuning of every event source mapping (poll interval, retry delay...). */
  eventSourceMapping?: Partial<
    Pick<EventSourceMappingOptions, 'pollIntervalMs' | 'retryDelayMs' | 'maxRetryAttempts' | 'timeoutMs'>
  >;
}

export interface LocalStack {
  apiUrl: string;
  wsUrl: string;
  dataDir: string;
  /** Stops the pollers (finishing in-flight batches), the gateway and the emulators; idempotent. */
  stop(): Promise<void>;
  stats(): EventSourceMappingStats[];
}

// Handler modules build their SDK clients once per process from the environment, so a second stack in the
// same process must come back on the same endpoints: remember the ports of the previous one.
let previousPorts: { kinesis: number; dynamodb: number; kms: number; gateway: number } | undefined;

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Starts the local stack; on failure everything already started is stopped again before rethrowing. */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = resolve(opts.dataDir ?? '.strm-local');
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? ((line: string) => console.log(line));
  const requestLog = opts.quiet ? undefined : log;
  const requestedPort = opts.port ?? 8080;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const unlock = lockDataDir(dataDir);

  let emulators: Emulators | undefined;
  let gateway: Gateway | undefined;
  const mappings: EventSourceMapping[] = [];
  let kinesis: KinesisClient | undefined;
  let ready = false;
  let stopped: Promise<void> | undefined;

  const stopAll = async () => {
    ready = false;
    await Promise.all(mappings.map((m) => m.stop()));
    await gateway?.close();
    kinesis?.destroy();
    await emulators?.close();
    unlock();
  };

  try {
    emulators = await startEmulators({
      dataDir,
      host,
      kinesisPort: previousPorts?.kinesis,
      dynamodbPort: previousPorts?.dynamodb,
      kmsPort: previousPorts?.kms,
    }).catch((err: unknown) => {
      // A port of the previous in-process stack is taken: fall back to fresh ones.
      if (previousPorts && err instanceof PortInUseError) return startEmulators({ dataDir, host });
      throw err;
    });
    await ensureLocalResources(emulators);

    Object.assign(process.env, emulatorEnv(emulators), resourceEnv(emulators.kmsKeyArn), {
      SIGNUP_MODE: 'open',
      POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME ?? 'privacy-streams-local',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    });
    const handlers = opts.handlers ?? loadLambdaHandlers();

    gateway = await startGateway({
      port: requestedPort === 0 && previousPorts ? previousPorts.gateway : requestedPort,
      host,
      handlers,
      log: requestLog,
      isReady: () => ready,
    }).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE') throw err;
      if (requestedPort === 0)
        return startGateway({ port: 0, host, handlers, log: requestLog, isReady: () => ready });
      throw new PortInUseError('API gateway', requestedPort);
    });
    process.env.WS_CALLBACK_URL = gateway.url;

    kinesis = localKinesisClient(emulators.kinesisUrl);
    const common = { kinesis, dataDir, log, ...opts.eventSourceMapping };
    mappings.push(
      await startEventSourceMapping({
        ...common,
        streamName: LOCAL_STREAMS.sourceEvents,
        functionName: 'decrypter',
        handler: handlers.decrypter,
        startingPosition: 'TRIM_HORIZON',
        batchSize: 100,
        maxBatchingWindowMs: 0,
      }),
    );
    for (const streamName of [LOCAL_STREAMS.sourceEvents, LOCAL_STREAMS.derivedEvents]) {
      mappings.push(
        await startEventSourceMapping({
          ...common,
          streamName,
          functionName: 'egress',
          handler: handlers.egress,
          startingPosition: 'LATEST',
          batchSize: 100,
          maxBatchingWindowMs: 50,
        }),
      );
    }

    previousPorts = {
      kinesis: portOf(emulators.kinesisUrl),
      dynamodb: portOf(emulators.dynamodbUrl),
      kms: portOf(emulators.kmsUrl),
      gateway: gateway.port,
    };
    ready = true;
  } catch (err) {
    await stopAll().catch(() => undefined);
    throw err;
  }

  const started = gateway;
  return {
    apiUrl: started.url,
    wsUrl: started.wsUrl,
    dataDir,
    stats: () => mappings.map((m) => m.stats()),
    stop() {
      stopped ??= stopAll();
      return stopped;
    },
  };
}
