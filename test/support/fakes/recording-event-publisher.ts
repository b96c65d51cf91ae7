import {
  type PublishBatchResult,
  putEntryOf,
  StreamThrottledError,
} from '../../../lambdas/aws/event-publisher';
import { decodeEnvelope, encodeEnvelope, type OutgoingRecord } from '../../../lambdas/core/event-envelope';

/**
 * In-memory stand-in for KinesisEventPublisher (one Kinesis stream) with the adapter's semantics: a record
 * over Kinesis's one-record limit is refused with 413 by the adapter's own check, a throttled stream
 * rejects `publish` with the adapter's 429 error, and `publishBatch` reports the indices it could not
 * write (those over the limit as `oversized`, never kept). What it keeps went through the envelope encoding, as a consumer would read it.
 */
export class RecordingEventPublisher {
  readonly records: OutgoingRecord[] = [];
  /** When true, the stream refuses every write as Kinesis does when throttled. */
  throttled = false;
  /** Records the stream fails to take (PutRecords entries with an error code, or a failed PutRecord). */
  failing: (record: OutgoingRecord) => boolean = () => false;
  /** When set, `publish` rejects with this error (an unexpected failure of the client or the network). */
  rejectWith: Error | undefined;

  async publish(record: OutgoingRecord): Promise<void> {
    putEntryOf(record);
    if (this.rejectWith) throw this.rejectWith;
    if (this.throttled) throw new StreamThrottledError();
    if (this.failing(record)) throw new Error('Kinesis did not accept the record');
    this.keep(record);
  }

  async publishBatch(records: readonly OutgoingRecord[]): Promise<PublishBatchResult> {
    const failed: number[] = [];
    const oversized: number[] = [];
    records.forEach((record, index) => {
      if (!fitsOneRecord(record)) oversized.push(index);
      else if (this.throttled || this.failing(record)) failed.push(index);
      else this.keep(record);
    });
    return oversized.length > 0 ? { failed, oversized } : { failed };
  }

  /** Per record: undefined once kept, else why not (413 over the record limit, 429 throttled, a failure). */
  async publishAll(records: readonly OutgoingRecord[]): Promise<(Error | undefined)[]> {
    this.publishAllCalls++;
    return records.map((record) => {
      try {
        putEntryOf(record);
      } catch (error) {
        return error as Error;
      }
      if (this.throttled) return new StreamThrottledError();
      if (this.failing(record)) return new Error('Kinesis did not accept the record');
      this.keep(record);
      return undefined;
    });
  }

  /** How many times publishAll was called (one PutRecords request per batch at most, for ≤ 500 records). */
  publishAllCalls = 0;

  /** The envelopes written so far, in order. */
  envelopes() {
    return this.records.map((record) => record.envelope);
  }

  private keep(record: OutgoingRecord): void {
    const envelope = decodeEnvelope(encodeEnvelope(record.envelope));
    this.records.push({ envelope, partitionKey: record.partitionKey });
  }
}

/** Whether a record is within Kinesis's one-record limit, by the adapter's own check. */
function fitsOneRecord(record: OutgoingRecord): boolean {
  try {
    putEntryOf(record);
    return true;
  } catch {
    return false;
  }
}
