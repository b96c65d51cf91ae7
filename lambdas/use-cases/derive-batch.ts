import type { Logger } from '@aws-lambda-powertools/logger';
import type { UsageCount } from '../aws/usage-repo';
import { errorName } from '../core/errors';
import type { OutgoingRecord } from '../core/event-envelope';
import type { Derivation, SourceRecord } from './derive-record';

export interface DeriveBatchPorts {
  deriver: { derive(record: SourceRecord): Promise<Derivation> };
  /** Writes to the derived-events stream; returns the indices of the records it could not write. */
  publisher: { publishBatch(records: readonly OutgoingRecord[]): Promise<{ failed: number[] }> };
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
}

interface Output {
  inputIndex: number;
  record: OutgoingRecord;
}

/**
 * Derives a batch of source records in order. The first record that fails, or whose outputs cannot be
 * written, ends the processed part: it and everything after it are retried (a record written twice is
 * delivered twice, one skipped would be lost). Usage is counted only for processed records, best effort.
 */
export async function deriveBatch(
  records: readonly SourceRecord[],
  ports: DeriveBatchPorts,
): Promise<BatchOutcome> {
  const derivations: Derivation[] = [];
  for (const record of records) {
    try {
      derivations.push(await ports.deriver.derive(record));
    } catch (error) {
      ports.logger.error('source record failed', { errorName: errorName(error), sequenceNumber: record.id });
      break;
    }
  }
  const outputs: Output[] = derivations.flatMap((derivation, inputIndex) =>
    derivation.outputs.map((record) => ({ inputIndex, record })),
  );
  const { failed } = await ports.publisher.publishBatch(outputs.map((output) => output.record));
  if (failed.length > 0)
    ports.logger.error('derived records could not be written', { failedRecords: failed.length });
  const processed = failed.reduce(
    (first, index) => Math.min(first, outputs[index]!.inputIndex),
    derivations.length,
  );

  const done = derivations.slice(0, processed);
  await addUsage(
    done.map((derivation) => derivation.usage),
    ports,
  );
  const outcome: BatchOutcome = {
    records: records.length,
    processed,
    written: outputs.filter((output) => output.inputIndex < processed).length,
    shredded: done.filter((derivation) => derivation.shredded).length,
    excluded: done.reduce((sum, derivation) => sum + derivation.excluded, 0),
  };
  ports.logger.info('batch processed', { ...outcome });
  return outcome;
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
