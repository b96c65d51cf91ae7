import { median } from '../harness';

/**
 * What the aws-sim suite computes from the invocations it timed: one shard's rate (one batch at a time, as
 * a shard with parallelization factor 1 is served, so records per batch over the median batch duration),
 * and the counts a handler's one INFO line per batch reports (the decrypter's checked, so that a batch that
 * silently did less than all of its work cannot pass for a fast one; egress's reported next to the rate).
 */

/** One timed invocation (bench/aws-sim/handler-process.ts reports these). */
export interface TimedBatch {
  durationMs: number;
  cpuMs: number;
  logs: Record<string, unknown>[];
}

export interface ShardRate {
  /** Median batch duration (ms). */
  durationMs: number;
  /** Median CPU time of a batch (ms). */
  cpuMs: number;
  /** Records of one shard handled per second: recordsPerBatch × 1000 / durationMs. */
  recordsPerSec: number;
}

export function shardRate(batches: readonly TimedBatch[], recordsPerBatch: number): ShardRate {
  if (batches.length === 0) throw new Error('shardRate: no batches');
  const durationMs = median(batches.map((batch) => batch.durationMs));
  const cpuMs = median(batches.map((batch) => batch.cpuMs));
  return { durationMs, cpuMs, recordsPerSec: durationMs > 0 ? (recordsPerBatch * 1000) / durationMs : 0 };
}

/** The fields of the INFO line with this `message` (the handler logs one per batch). */
export function batchLine(batch: TimedBatch, message: string): Record<string, number> {
  const line = batch.logs.find((entry) => entry.message === message);
  if (!line) throw new Error(`aws-sim: the batch logged no "${message}" line`);
  return line as Record<string, number>;
}

/** The decrypter's "batch processed" counts; throws unless every record was processed and written. */
export function decrypterDidAll(batch: TimedBatch, records: number, outputsPerRecord: number): void {
  const { processed, written } = batchLine(batch, 'batch processed');
  if (processed !== records || written !== records * outputsPerRecord) {
    throw new Error(
      `aws-sim: decrypter processed ${processed}/${records} records, wrote ${written}/${records * outputsPerRecord}`,
    );
  }
}

export interface EgressCounts {
  /** Events that reached a subscriber (an event to 100 subscribers counts 100). */
  deliveries: number;
  /** Posts made (frames). */
  messages: number;
  /** Events not posted because the invocation's time was up. */
  outOfTime: number;
  /** records × subscribers: what all delivered would be. */
  expected: number;
}

/** Egress's "batch delivered" counts, next to what delivering everything would count. */
export function egressCounts(batch: TimedBatch, records: number, subscribers: number): EgressCounts {
  const { deliveries, messages, outOfTime } = batchLine(batch, 'batch delivered');
  return { deliveries, messages, outOfTime, expected: records * subscribers };
}

/** Mean bytes per item of a counted total (a frame, a record), rounded. */
export function meanBytes(totalBytes: number, items: number): number {
  return items > 0 ? Math.round(totalBytes / items) : 0;
}
