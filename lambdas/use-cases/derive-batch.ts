import type { Logger } from '@aws-lambda-powertools/logger';
import type { UsageCount } from '../aws/usage-repo';
import { errorName } from '../core/errors';
import type { OutgoingRecord } from '../core/event-envelope';
import type { Derivation, SourceRecord } from './derive-record';
import { runWithConcurrency } from './run-with-concurrency';

export interface DeriveBatchPorts {
  deriver: { derive(record: SourceRecord): Promise<Derivation> };
  /**
   * Writes to the derived-events stream; returns the indices of the records it could not write, and of
   * those over the stream's one-record limit (never sent).
   */
  publisher: {
    publishBatch(records: readonly OutgoingRecord[]): Promise<{ failed: number[]; oversized?: number[] }>;
  };
  usage: { addCounts(counts: readonly UsageCount[]): Promise<void> };
  logger: Pick<Logger, 'error' | 'info'>;
}

/** What a batch did; `processed` leading records are done, the records from there on must be retried. */
export interface BatchOutcome {
  records: number;
  processed: number;
  written: number;
  shredded: number;
  excluded: number;
  /** Records of an earlier incarnation of their source stream: dropped. */
  otherIncarnation: number;
  /** Records whose contract is absent also after a reload since they arrived: skipped, never retried. */
  unknownContract: number;
  /** Derived records over the stream's one-record limit: skipped, never retried (a retry would stall the shard). */
  oversized: number;
}

/**
 * Records of a batch derived at the same time: their key-link reads overlap (and are read together, see
 * KeyLinkResolver.byId), the CPU work stays one record after another.
 */
export const DERIVE_CONCURRENCY = 256;

/**
 * Derives a batch of source records, concurrently; the outputs keep record order, so each key link's
 * events reach the derived stream in order. The first record that fails, or whose outputs cannot be
 * written, ends the processed part: it and everything after it are retried (a record written twice is
 * delivered twice, one skipped would be lost). Usage is counted only for processed records, best effort.
 */
export async function deriveBatch(
  records: readonly SourceRecord[],
  ports: DeriveBatchPorts,
): Promise<BatchOutcome> {
  const derivations = await deriveUntilFailure(records, ports);
  const { processed, oversized } = await writeOutputs(derivations, ports);
  const done = derivations.slice(0, processed);
  await addUsage(
    done.map((derivation) => derivation.usage),
    ports,
  );
  const outcome: BatchOutcome = {
    records: records.length,
    processed,
    written: sum(done, (derivation) => derivation.outputs.length) - oversized,
    shredded: sum(done, (derivation) => (derivation.shredded ? 1 : 0)),
    excluded: sum(done, (derivation) => derivation.excluded),
    otherIncarnation: sum(done, (derivation) => (derivation.otherIncarnation ? 1 : 0)),
    unknownContract: sum(done, (derivation) => (derivation.unknownContract ? 1 : 0)),
    oversized,
  };
  ports.logger.info('batch processed', { ...outcome });
  return outcome;
}

/** The derivations of the leading records, up to (not including) the first record that fails. */
async function deriveUntilFailure(
  records: readonly SourceRecord[],
  ports: DeriveBatchPorts,
): Promise<Derivation[]> {
  const outcomes: ({ derivation: Derivation } | { error: unknown })[] = [];
  const indices = records.map((_, index) => index);
  await runWithConcurrency(indices, DERIVE_CONCURRENCY, async (index) => {
    try {
      outcomes[index] = { derivation: await ports.deriver.derive(records[index]!) };
    } catch (error) {
      outcomes[index] = { error };
    }
  });
  const derivations: Derivation[] = [];
  for (const [index, outcome] of outcomes.entries()) {
    if ('derivation' in outcome) {
      derivations.push(outcome.derivation);
      continue;
    }
    const sequenceNumber = records[index]!.id;
    ports.logger.error('source record failed', { errorName: errorName(outcome.error), sequenceNumber });
    break;
  }
  return derivations;
}

/**
 * Writes every output; returns how many leading derivations had all their outputs written (an output over
 * the record limit counts as done: it is skipped, never retried) and how many of their outputs were such.
 */
async function writeOutputs(
  derivations: readonly Derivation[],
  ports: DeriveBatchPorts,
): Promise<{ processed: number; oversized: number }> {
  const inputIndexOf: number[] = [];
  const outputs: OutgoingRecord[] = [];
  derivations.forEach((derivation, index) => {
    for (const output of derivation.outputs) {
      inputIndexOf.push(index);
      outputs.push(output);
    }
  });
  const { failed, oversized = [] } = await ports.publisher.publishBatch(outputs);
  if (failed.length > 0) {
    ports.logger.error('derived records could not be written', { failedRecords: failed.length });
  }
  const processed = failed.reduce(
    (first, output) => Math.min(first, inputIndexOf[output]!),
    derivations.length,
  );
  return { processed, oversized: oversized.filter((output) => inputIndexOf[output]! < processed).length };
}

/** Adds usage counts; best effort. */
async function addUsage(
  counts: UsageCount[],
  ports: Pick<DeriveBatchPorts, 'usage' | 'logger'>,
): Promise<void> {
  try {
    await ports.usage.addCounts(counts);
  } catch (error) {
    // Usage is accounting, not data: retrying the batch for it would duplicate derived events.
    ports.logger.error('usage counts could not be written', { errorName: errorName(error) });
  }
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}
