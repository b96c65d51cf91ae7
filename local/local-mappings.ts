import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { type EventStreamName, type FunctionName, TOPOLOGY } from '../lib/topology';
import type { EventSourceMappingSpec } from '../lib/topology-types';
import {
  type EventSourceMapping,
  type EventSourceMappingOptions,
  startEventSourceMapping,
} from './event-source-mapping';
import type { LocalHandlers } from './local-functions';
import { localStreamName } from './local-names';

/** Knobs tests may turn on every mapping (faster polls and retries, more retries). */
export type MappingTuning = Partial<
  Pick<
    EventSourceMappingOptions,
    'pollIntervalMs' | 'retryDelayMs' | 'maxRetryAttempts' | 'timeoutMs' | 'maxBatchingWindowMs'
  >
>;

export interface LocalMappingsOptions {
  kinesis: KinesisClient;
  handlers: LocalHandlers;
  dataDir?: string;
  log?: (line: string) => void;
  tuning?: MappingTuning;
}

/** The local poller's options for a topology mapping: the AWS settings, plus the topology's local overrides. */
export function mappingOptionsOf(
  spec: EventSourceMappingSpec<FunctionName, EventStreamName>,
): Omit<EventSourceMappingOptions, 'kinesis' | 'handler'> {
  return {
    streamName: localStreamName(spec.stream),
    functionName: spec.function,
    startingPosition: spec.startingPosition,
    batchSize: spec.batchSize,
    maxBatchingWindowMs: (spec.local.maxBatchingWindowSeconds ?? spec.maxBatchingWindowSeconds) * 1000,
    parallelizationFactor: spec.parallelizationFactor,
    bisectBatchOnFunctionError: spec.bisectBatchOnFunctionError,
    reportBatchItemFailures: spec.reportBatchItemFailures,
    maxRetryAttempts: spec.retryAttempts,
    maxRecordAgeMs: spec.maxRecordAgeSeconds * 1000,
    timeoutMs: TOPOLOGY.functions[spec.function].timeoutSeconds * 1000,
    pollIntervalMs: spec.local.pollIntervalMs,
  };
}

/** Starts the topology's event-source mappings, in topology order; on a failure none is left running. */
export async function startLocalMappings(opts: LocalMappingsOptions): Promise<EventSourceMapping[]> {
  const started: EventSourceMapping[] = [];
  try {
    for (const spec of TOPOLOGY.eventSourceMappings) {
      const mapping = await startEventSourceMapping({
        ...mappingOptionsOf(spec),
        ...opts.tuning,
        kinesis: opts.kinesis,
        handler: opts.handlers[spec.function],
        dataDir: opts.dataDir,
        log: opts.log,
      });
      started.push(mapping);
    }
  } catch (err) {
    await Promise.all(started.map((m) => m.stop()));
    throw err;
  }
  return started;
}
