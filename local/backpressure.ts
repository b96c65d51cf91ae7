import type { EventStreamName, FunctionName } from '../lib/topology';
import { TOPOLOGY } from '../lib/topology';
import type { EventSourceMappingStats } from './event-source-mapping';
import { localStreamName } from './local-names';

/**
 * Local load shedding. On AWS, Kinesis throttles a producer that outruns the stream (ingest answers 429);
 * the local emulator never does, so producers would get 204s while the local pipeline falls ever further
 * behind. Instead, while a mapping that consumes a stream lags by more than `maxIteratorAgeMs` (its oldest
 * unprocessed record is that old), the routes of the functions that write to that stream answer 429
 * with Retry-After, as API Gateway throttling would, until the consumers catch up.
 */
export interface BackpressureOptions {
  /** Default 10 s: a healthy local pipeline lags by about its batching window (1 s). */
  maxIteratorAgeMs?: number;
}

export const DEFAULT_MAX_ITERATOR_AGE_MS = 10_000;

/** The streams each function writes to, by the topology. */
function streamsWrittenBy(fn: FunctionName): string[] {
  const streams = TOPOLOGY.functions[fn].access.streams ?? {};
  return (Object.entries(streams) as [EventStreamName, string][])
    .filter(([, mode]) => mode === 'write')
    .map(([stream]) => localStreamName(stream));
}

/** The gateway's `shedLoad` for the stack's mappings. */
export function backpressure(
  stats: () => EventSourceMappingStats[],
  opts: BackpressureOptions = {},
): (fn: FunctionName) => number | undefined {
  const bound = opts.maxIteratorAgeMs ?? DEFAULT_MAX_ITERATOR_AGE_MS;
  return (fn) => {
    const written = streamsWrittenBy(fn);
    if (written.length === 0) return undefined;
    const lag = Math.max(
      0,
      ...stats()
        .filter((m) => written.includes(m.streamName))
        .map((m) => m.iteratorAgeMs),
    );
    // Ask for about the time the backlog beyond the bound takes to drain, at least a second, at most 30.
    return lag > bound ? Math.min(30, Math.max(1, Math.ceil((lag - bound) / 1000))) : undefined;
  };
}
