import {
  type KinesisClient,
  ProvisionedThroughputExceededException,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { AppError, PayloadTooLargeError } from '../core/errors';
import { encodeEnvelope, type OutgoingRecord } from '../core/event-envelope';

/** Kinesis PutRecords limits: 500 records and 5 MiB (data plus partition keys) per call. */
export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
/** Kinesis's limit for one record: data plus partition key. */
export const MAX_RECORD_BYTES = 1024 * 1024;

export interface EventPublisherOptions {
  kinesis: KinesisClient;
  streamName: string;
  /** Attempts per record for PutRecords, including the first (4). */
  maxAttempts?: number;
  /** First backoff delay; doubles per attempt, with full jitter (50 ms). */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What `publishBatch` could not write: indices into its records. */
export interface PublishBatchResult {
  /** Refused by Kinesis after the last attempt. */
  failed: number[];
  /** Over Kinesis's one-record limit: never sent (absent when none). */
  oversized?: number[];
}

interface Waiting {
  entry: PutRecordsRequestEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Kinesis throttled the write (ProvisionedThroughputExceeded): the producer should retry later (429). */
export class StreamThrottledError extends AppError {
  constructor() {
    super('too_many_requests', 'throttled', 'the stream is busy, retry later');
  }
}

function toEntry(record: OutgoingRecord): PutRecordsRequestEntry {
  return { Data: encodeEnvelope(record.envelope), PartitionKey: record.partitionKey };
}

function entrySize(entry: PutRecordsRequestEntry): number {
  return (entry.Data?.length ?? 0) + Buffer.byteLength(entry.PartitionKey ?? '', 'utf8');
}

/**
 * The PutRecord(s) entry of one record, refused with PayloadTooLargeError (413) when it is over Kinesis's
 * one-record limit. Encryption grows each PII value by a third plus 28 bytes, so a body under the limit can
 * still seal into a record over it. (Exported so that test doubles of the publisher apply the same rule.)
 */
export function putEntryOf(record: OutgoingRecord): PutRecordsRequestEntry {
  const entry = toEntry(record);
  if (entrySize(entry) > MAX_RECORD_BYTES) {
    throw new PayloadTooLargeError('the event is too large once its PII fields are encrypted');
  }
  return entry;
}

/** Writes envelopes to one Kinesis stream. */
export class KinesisEventPublisher {
  private readonly kinesis: KinesisClient;
  private readonly streamName: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Records waiting for the write in flight to finish (see publish). */
  private readonly waiting: Waiting[] = [];
  private writing = false;

  constructor(options: EventPublisherOptions) {
    this.kinesis = options.kinesis;
    this.streamName = options.streamName;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Writes one record and resolves only once Kinesis accepted it. Records published while a write is in
   * flight wait for it and then go out together in one PutRecords call: a Lambda instance (one request at
   * a time) always writes alone, a process serving many requests at once writes them in batches. A
   * throttled stream becomes a 429-kind AppError; anything else is rethrown.
   */
  publish(record: OutgoingRecord): Promise<void> {
    let entry: PutRecordsRequestEntry;
    try {
      // Refused here (413), before it could spoil a coalesced PutRecords call.
      entry = putEntryOf(record);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ entry, resolve, reject });
      if (!this.writing) void this.writeWaiting();
    });
  }

  private async writeWaiting(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_RECORDS_PER_CALL);
        if (batch.length === 1) {
          const [only] = batch as [Waiting];
          await this.putOne(only.entry).then(only.resolve, only.reject);
          continue;
        }
        const errorCodes = new Map<number, string>();
        const { failed } = await this.writeEntries(
          batch.map((w) => w.entry),
          errorCodes,
        ).catch(() => ({ failed: batch.map((_, i) => i) }));
        const failedSet = new Set(failed);
        for (const [index, waiting] of batch.entries()) {
          if (!failedSet.has(index)) {
            waiting.resolve();
            continue;
          }
          waiting.reject(refusalOf(errorCodes.get(index)));
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async putOne(entry: PutRecordsRequestEntry): Promise<void> {
    try {
      await this.kinesis.send(new PutRecordCommand({ StreamName: this.streamName, ...entry }));
    } catch (error) {
      if (error instanceof ProvisionedThroughputExceededException) throw new StreamThrottledError();
      throw error;
    }
  }

  /**
   * Writes many records with PutRecords in calls of at most 500 records / 5 MiB, retrying failed entries
   * with exponential backoff. Returns the indices (into `records`) that still failed after the last
   * attempt, and those over Kinesis's one-record limit (`oversized`, absent when none): never sent, as one
   * of them would make Kinesis refuse the whole call on every retry.
   */
  async publishBatch(records: readonly OutgoingRecord[]): Promise<PublishBatchResult> {
    const entries: PutRecordsRequestEntry[] = [];
    const recordOf: number[] = [];
    const oversized: number[] = [];
    records.forEach((record, index) => {
      const entry = toEntry(record);
      if (entrySize(entry) > MAX_RECORD_BYTES) {
        oversized.push(index);
        return;
      }
      entries.push(entry);
      recordOf.push(index);
    });
    const { failed } = await this.writeEntries(entries, new Map());
    const result: PublishBatchResult = { failed: failed.map((entry) => recordOf[entry]!) };
    return oversized.length > 0 ? { ...result, oversized } : result;
  }

  /**
   * Writes many records (PutRecords, retrying only the entries Kinesis refused) and tells for each record
   * whether it is durably in the stream: `undefined` when it is, else why not — PayloadTooLargeError (413)
   * for a record over the one-record limit (never sent), StreamThrottledError (429) when the stream kept
   * throttling it, another Error otherwise. The answer `POST /events` gives per event.
   */
  async publishAll(records: readonly OutgoingRecord[]): Promise<(Error | undefined)[]> {
    const outcomes: (Error | undefined)[] = records.map(() => undefined);
    const entries: PutRecordsRequestEntry[] = [];
    const recordOf: number[] = [];
    records.forEach((record, index) => {
      try {
        entries.push(putEntryOf(record));
        recordOf.push(index);
      } catch (error) {
        outcomes[index] = error as Error;
      }
    });
    if (entries.length === 0) return outcomes;
    const errorCodes = new Map<number, string>();
    const { failed } = await this.writeEntries(entries, errorCodes);
    for (const entry of failed) outcomes[recordOf[entry]!] = refusalOf(errorCodes.get(entry));
    return outcomes;
  }

  /** publishBatch, also noting the last error code of each failed input. */
  private async writeEntries(
    entries: PutRecordsRequestEntry[],
    errorCodes: Map<number, string>,
  ): Promise<{ failed: number[] }> {
    let pending = entries.map((_, index) => index);
    for (let attempt = 1; attempt <= this.maxAttempts && pending.length > 0; attempt++) {
      if (attempt > 1) await this.sleep(Math.random() * this.baseDelayMs * 2 ** (attempt - 2));
      const stillFailing: number[] = [];
      for (const chunk of chunkEntries(pending, entries)) {
        stillFailing.push(...(await this.putChunk(chunk, entries, errorCodes)));
      }
      pending = stillFailing;
    }
    return { failed: pending.sort((a, b) => a - b) };
  }

  /** One PutRecords call; returns the indices whose entries failed (all of them if the call failed). */
  private async putChunk(
    indices: number[],
    entries: PutRecordsRequestEntry[],
    errorCodes: Map<number, string>,
  ): Promise<number[]> {
    try {
      const result = await this.kinesis.send(
        new PutRecordsCommand({ StreamName: this.streamName, Records: indices.map((i) => entries[i]!) }),
      );
      if (!result.FailedRecordCount) return [];
      const failed: number[] = [];
      (result.Records ?? []).forEach((entry, position) => {
        if (!entry.ErrorCode) return;
        failed.push(indices[position]!);
        errorCodes.set(indices[position]!, entry.ErrorCode);
      });
      return failed;
    } catch (error) {
      for (const index of indices) errorCodes.set(index, (error as Error).name);
      return indices;
    }
  }
}

/** Why Kinesis did not take a record: throttling (a 429 for the producer) or anything else. */
function refusalOf(code: string | undefined): Error {
  return code === 'ProvisionedThroughputExceededException'
    ? new StreamThrottledError()
    : new Error(`Kinesis did not accept the record (${code ?? 'request failed'})`);
}

/** Splits pending entry indices into PutRecords calls within the record and byte limits. */
function chunkEntries(indices: number[], entries: PutRecordsRequestEntry[]): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const index of indices) {
    const entry = entries[index]!;
    const size = entrySize(entry);
    if (current.length > 0 && (current.length >= MAX_RECORDS_PER_CALL || bytes + size > MAX_BYTES_PER_CALL)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
