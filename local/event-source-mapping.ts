import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type _Record as KinesisRecord,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { errorName } from '../lambdas/core/errors';
import { LogRateLimit } from '../lambdas/core/log-rate-limit';
import { type CheckpointStore, fileCheckpointStore, memoryCheckpointStore } from './checkpoint-store';
import { invokeHandler, type LambdaHandler } from './lambda-invoke';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './local-account';
import { localFunctionName } from './local-names';

/**
 * An emulation of the Lambda Kinesis event source mapping: per shard a polling loop that builds
 * batches (batch size, batching window), invokes the handler with the same event Lambda sends, honours
 * `batchItemFailures`, retries (bisecting on function errors), skips records older than the maximum
 * record age, sends exhausted or expired records to a dead-letter file like an on-failure destination,
 * and checkpoints each finished batch to the data directory. One batch per shard at a time
 * (parallelization factor 1). The local stack takes every setting from the topology.
 */

export interface EventSourceMappingOptions {
  kinesis: KinesisClient;
  streamName: string;
  /** Names checkpoints and dead-letter files, e.g. 'decrypter'. */
  functionName: string;
  handler: LambdaHandler;
  /** Where to start on a shard without a checkpoint. */
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** Default 100. */
  batchSize?: number;
  /** How long to gather records for a fuller batch (MaximumBatchingWindowInSeconds). Default 0. */
  maxBatchingWindowMs?: number;
  /** Retries of a failing batch before it is dead-lettered. Default 3. */
  maxRetryAttempts?: number;
  /** Records that arrived longer ago are dead-lettered unprocessed (MaximumRecordAgeInSeconds). Default: no limit. */
  maxRecordAgeMs?: number;
  /** Concurrent batches per shard (ParallelizationFactor): only 1 is emulated. Default 1. */
  parallelizationFactor?: number;
  /** Split a batch in halves when the function throws. Default true. */
  bisectBatchOnFunctionError?: boolean;
  /** Honour `{ batchItemFailures }` responses (ReportBatchItemFailures). Default true. */
  reportBatchItemFailures?: boolean;
  /** Pause between polls of an idle shard. Default 200 ms. */
  pollIntervalMs?: number;
  /** First retry delay, doubled per attempt up to 2 s. Default 100 ms. */
  retryDelayMs?: number;
  /** Function timeout. Default 60 s. */
  timeoutMs?: number;
  /** Checkpoints in `<dataDir>/checkpoints`, dead letters in `<dataDir>/dead-letter`; memory only when absent. */
  dataDir?: string;
  log?: (line: string) => void;
}

export interface EventSourceMappingStats {
  functionName: string;
  streamName: string;
  shards: number;
  /** GetRecords calls (a poller has its iterator once this counts). */
  polls: number;
  /** Handler invocations, including retries. */
  invocations: number;
  /** Records handled successfully. */
  processed: number;
  /** Records in failed invocations (counted once per failure). */
  failed: number;
  /** Retry invocations. */
  retried: number;
  /** Records given up on after the last retry. */
  deadLettered: number;
  /**
   * How long the oldest record read but not yet processed has been in the stream (ms), over all shards; 0
   * when the mapping has caught up. Lambda's IteratorAge: the local stack sheds load on it.
   */
  iteratorAgeMs: number;
}

export interface EventSourceMapping {
  stats(): EventSourceMappingStats;
  /** Finishes the in-flight invocation, persists checkpoints and resolves; unfinished records stay in the stream. */
  stop(): Promise<void>;
}

type Outcome = { ok: true } | { ok: false; failedFrom: number; thrown: boolean; errorType: string };

/** Why records went to the dead-letter file, in the on-failure destination's words. */
type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

interface Segment {
  records: KinesisRecord[];
  attempt: number;
}

/** Sequence numbers are decimal strings too long for a double. */
function compareSequence(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function arrivalOf(record: KinesisRecord): number {
  return record.ApproximateArrivalTimestamp?.getTime() ?? Date.now();
}

/** One Lambda Kinesis event record (shape of kinesis-stream-event.json). */
export function toEventRecord(
  record: KinesisRecord,
  shardId: string,
  streamArn: string,
  functionName: string,
): KinesisStreamRecord {
  const arrival = record.ApproximateArrivalTimestamp ?? new Date();
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber: record.SequenceNumber ?? '',
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: arrival.getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${record.SequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${localFunctionName(functionName)}-role`,
    awsRegion: LOCAL_REGION,
    eventSourceARN: streamArn,
  };
}

/** An interruptible pause: `stop()` wakes every sleeper at once. */
class Sleeper {
  private wakers = new Set<() => void>();
  private stopped = false;

  sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  wakeAll(): void {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
  }
}

class ShardPoller {
  private buffer: KinesisRecord[] = [];
  private iterator: string | undefined;
  private lastFetched: string | undefined;
  private checkpoint: string | undefined;
  private shardEnded = false;
  private readErrorLogged = false;
  /** When the oldest record read but not yet processed arrived (ms); undefined when there is none. */
  headArrivalMs: number | undefined;

  constructor(
    private readonly shardId: string,
    private readonly mapping: Mapping,
  ) {}

  async run(): Promise<void> {
    const m = this.mapping;
    this.checkpoint = await m.checkpoints.load(this.shardId);
    while (!m.stopping) {
      const batch = await this.nextBatch();
      if (batch.length === 0) {
        this.headArrivalMs = undefined;
        if (this.shardEnded) return;
        await m.sleeper.sleep(m.pollIntervalMs);
        continue;
      }
      this.headArrivalMs = arrivalOf(batch[0]!);
      await this.process(batch);
      this.headArrivalMs = this.buffer.length > 0 ? arrivalOf(this.buffer[0]!) : undefined;
    }
  }

  private async acquireIterator(): Promise<string | undefined> {
    const m = this.mapping;
    const from = this.lastFetched ?? this.checkpoint;
    const input: GetShardIteratorCommandInput = from
      ? {
          StreamName: m.streamName,
          ShardId: this.shardId,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          StartingSequenceNumber: from,
        }
      : { StreamName: m.streamName, ShardId: this.shardId, ShardIteratorType: m.startingPosition };
    const { ShardIterator } = await m.kinesis.send(new GetShardIteratorCommand(input));
    return ShardIterator;
  }

  /** Reads up to `limit` more records into the buffer. */
  private async fetch(limit: number): Promise<void> {
    const m = this.mapping;
    if (this.shardEnded || limit <= 0) return;
    try {
      if (!this.iterator) this.iterator = await this.acquireIterator();
      if (!this.iterator) {
        this.shardEnded = true;
        return;
      }
      const out = await m.kinesis.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: limit }));
      m.counts.polls++;
      this.readErrorLogged = false;
      const records = out.Records ?? [];
      this.buffer.push(...records);
      if (records.length > 0) this.lastFetched = records[records.length - 1]!.SequenceNumber;
      this.iterator = out.NextShardIterator;
      if (!this.iterator) this.shardEnded = true;
    } catch (err) {
      if (m.stopping) return;
      if (err instanceof ExpiredIteratorException) {
        this.iterator = undefined;
        return;
      }
      if (!this.readErrorLogged) {
        m.log(`${m.label} ${this.shardId}: GetRecords failed (${errorName(err)}); retrying`);
        this.readErrorLogged = true;
      }
      this.iterator = undefined;
      await m.sleeper.sleep(1000);
    }
  }

  /** The next batch: up to batchSize records, waiting up to the batching window for a fuller one. */
  private async nextBatch(): Promise<KinesisRecord[]> {
    const m = this.mapping;
    await this.fetch(m.batchSize - this.buffer.length);
    if (this.buffer.length === 0) return [];
    if (this.buffer.length < m.batchSize && m.maxBatchingWindowMs > 0) {
      const deadline = Date.now() + m.maxBatchingWindowMs;
      while (this.buffer.length < m.batchSize && !m.stopping && !this.shardEnded) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        await m.sleeper.sleep(Math.min(m.pollIntervalMs, left));
        await this.fetch(m.batchSize - this.buffer.length);
      }
    }
    return this.buffer.splice(0, m.batchSize);
  }

  private async commit(record: KinesisRecord): Promise<void> {
    const seq = record.SequenceNumber!;
    if (this.checkpoint && compareSequence(seq, this.checkpoint) <= 0) return;
    this.checkpoint = seq;
    try {
      await this.mapping.checkpoints.save(this.shardId, seq);
    } catch (err) {
      this.mapping.log(`${this.mapping.label} ${this.shardId}: checkpoint not saved (${errorName(err)})`);
    }
  }

  private async invoke(records: KinesisRecord[]): Promise<Outcome> {
    const m = this.mapping;
    const event: KinesisStreamEvent = {
      Records: records.map((r) => toEventRecord(r, this.shardId, m.streamArn, m.functionName)),
    };
    m.counts.invocations++;
    let result: unknown;
    try {
      result = await invokeHandler(m.handler, localFunctionName(m.functionName), event, m.timeoutMs);
    } catch (err) {
      // By name only (a message may quote event data), and a few lines a minute at most.
      const slot = m.errorLog.take();
      if (slot.allowed) {
        const held = slot.suppressed > 0 ? ` (${slot.suppressed} more not logged)` : '';
        m.log(`${m.label} ${this.shardId}: handler threw ${errorName(err)}${held}`);
      }
      return { ok: false, failedFrom: 0, thrown: true, errorType: errorName(err) };
    }
    if (!m.reportBatchItemFailures || typeof result !== 'object' || result === null) return { ok: true };
    const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
    if (!Array.isArray(failures) || failures.length === 0) return { ok: true };
    let failedFrom = records.length;
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      const index = typeof id === 'string' && id ? records.findIndex((r) => r.SequenceNumber === id) : -1;
      // An identifier that names no record of the batch makes Lambda treat the whole batch as failed.
      if (index === -1)
        return { ok: false, failedFrom: 0, thrown: false, errorType: 'InvalidBatchItemFailure' };
      failedFrom = Math.min(failedFrom, index);
    }
    return { ok: false, failedFrom, thrown: false, errorType: 'BatchItemFailure' };
  }

  /** Runs one batch to completion: success, retries from the first failed record, or the dead-letter file. */
  private async process(records: KinesisRecord[]): Promise<void> {
    const m = this.mapping;
    const queue: Segment[] = [{ records, attempt: 0 }];
    let first = true;
    while (queue.length > 0) {
      // A stop lets the in-flight invocation finish; pending retries run after the next start.
      if (!first && m.stopping) return;
      first = false;
      const segment = await this.withoutExpired(queue.shift()!);
      if (segment.records.length === 0) continue;
      if (segment.attempt > 0) m.counts.retried++;
      const outcome = await this.invoke(segment.records);
      if (outcome.ok) {
        m.counts.processed += segment.records.length;
        await this.commit(segment.records[segment.records.length - 1]!);
        continue;
      }
      const done = segment.records.slice(0, outcome.failedFrom);
      const rest = segment.records.slice(outcome.failedFrom);
      if (done.length > 0) {
        m.counts.processed += done.length;
        await this.commit(done[done.length - 1]!);
      }
      m.counts.failed += rest.length;
      // Stopping: leave the rest unchecked-in; it is read again after the next start.
      if (m.stopping) return;
      if (segment.attempt >= m.maxRetryAttempts) {
        await this.deadLetter(rest, segment.attempt + 1, 'RetryAttemptsExhausted', outcome.errorType);
        await this.commit(rest[rest.length - 1]!);
        continue;
      }
      const attempt = segment.attempt + 1;
      if (outcome.thrown && m.bisect && rest.length > 1) {
        const half = Math.ceil(rest.length / 2);
        queue.unshift({ records: rest.slice(0, half), attempt }, { records: rest.slice(half), attempt });
      } else {
        queue.unshift({ records: rest, attempt });
      }
      await m.sleeper.sleep(Math.min(2000, m.retryDelayMs * 2 ** segment.attempt));
      if (m.stopping) return;
    }
  }

  /** The segment without its records past the maximum age (they arrived first), which are dead-lettered. */
  private async withoutExpired(segment: Segment): Promise<Segment> {
    const oldest = Date.now() - this.mapping.maxRecordAgeMs;
    const fresh = segment.records.findIndex(
      (r) => (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) >= oldest,
    );
    const expiredCount = fresh === -1 ? segment.records.length : fresh;
    if (expiredCount === 0) return segment;
    const expired = segment.records.slice(0, expiredCount);
    await this.deadLetter(expired, segment.attempt, 'RecordAgeExceeded');
    await this.commit(expired[expired.length - 1]!);
    return { records: segment.records.slice(expiredCount), attempt: segment.attempt };
  }

  /** Writes on-failure-destination-style metadata (never the record data) for records given up on. */
  private async deadLetter(
    records: KinesisRecord[],
    invokeCount: number,
    condition: FailureCondition,
    errorType?: string,
  ): Promise<void> {
    const m = this.mapping;
    const first = records[0]!;
    const last = records[records.length - 1]!;
    const entry = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        functionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${localFunctionName(m.functionName)}`,
        condition,
        approximateInvokeCount: invokeCount,
      },
      responseContext: { executedVersion: '$LATEST', ...(errorType ? { functionError: errorType } : {}) },
      KinesisBatchInfo: {
        shardId: this.shardId,
        startSequenceNumber: first.SequenceNumber,
        endSequenceNumber: last.SequenceNumber,
        approximateArrivalOfFirstRecord: first.ApproximateArrivalTimestamp?.toISOString(),
        approximateArrivalOfLastRecord: last.ApproximateArrivalTimestamp?.toISOString(),
        batchSize: records.length,
        streamArn: m.streamArn,
      },
    };
    const why =
      condition === 'RecordAgeExceeded' ? 'past the maximum record age' : `after ${invokeCount} attempts`;
    m.log(`${m.label} ${this.shardId}: ${records.length} record(s) dead-lettered ${why}`);
    if (m.deadLetterDir) {
      try {
        await mkdir(m.deadLetterDir, { recursive: true, mode: 0o700 });
        const file = join(m.deadLetterDir, `${m.functionName}.jsonl`);
        await appendFile(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      } catch (err) {
        m.log(`${m.label}: dead-letter file not written (${errorName(err)})`);
      }
    }
    // Counted once the entry is written: whoever sees the count can read the file.
    m.counts.deadLettered += records.length;
  }
}

/** Shared state of one mapping (stream × function) for its shard pollers. */
class Mapping {
  stopping = false;
  readonly sleeper = new Sleeper();
  readonly counts = { polls: 0, invocations: 0, processed: 0, failed: 0, retried: 0, deadLettered: 0 };
  readonly errorLog = new LogRateLimit({ maxPerWindow: 5, windowMs: 60_000 });
  readonly pollers: ShardPoller[] = [];
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly functionName: string;
  readonly label: string;
  readonly handler: LambdaHandler;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly batchSize: number;
  readonly maxBatchingWindowMs: number;
  readonly maxRetryAttempts: number;
  readonly maxRecordAgeMs: number;
  readonly bisect: boolean;
  readonly reportBatchItemFailures: boolean;
  readonly pollIntervalMs: number;
  readonly retryDelayMs: number;
  readonly timeoutMs: number;
  readonly checkpoints: CheckpointStore;
  readonly deadLetterDir: string | undefined;
  readonly log: (line: string) => void;
  streamArn = '';

  constructor(opts: EventSourceMappingOptions) {
    this.kinesis = opts.kinesis;
    this.streamName = opts.streamName;
    this.functionName = opts.functionName;
    this.label = `[${opts.functionName} ← ${opts.streamName}]`;
    this.handler = opts.handler;
    this.startingPosition = opts.startingPosition;
    this.batchSize = opts.batchSize ?? 100;
    this.maxBatchingWindowMs = opts.maxBatchingWindowMs ?? 0;
    this.maxRetryAttempts = opts.maxRetryAttempts ?? 3;
    this.maxRecordAgeMs = opts.maxRecordAgeMs ?? Number.POSITIVE_INFINITY;
    this.bisect = opts.bisectBatchOnFunctionError ?? true;
    this.reportBatchItemFailures = opts.reportBatchItemFailures ?? true;
    this.pollIntervalMs = opts.pollIntervalMs ?? 200;
    this.retryDelayMs = opts.retryDelayMs ?? 100;
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.checkpoints = opts.dataDir
      ? fileCheckpointStore(join(opts.dataDir, 'checkpoints'), opts.functionName, opts.streamName)
      : memoryCheckpointStore();
    this.deadLetterDir = opts.dataDir ? join(opts.dataDir, 'dead-letter') : undefined;
    this.log = opts.log ?? (() => undefined);
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > 10_000) {
      throw new Error('batchSize must be an integer from 1 to 10000');
    }
    if ((opts.parallelizationFactor ?? 1) !== 1) {
      throw new Error(
        'the local event source mapping runs one batch per shard at a time (parallelizationFactor 1)',
      );
    }
  }
}

/** Starts polling every shard of the stream (shards are discovered once, at start). */
export async function startEventSourceMapping(opts: EventSourceMappingOptions): Promise<EventSourceMapping> {
  const m = new Mapping(opts);
  const summary = await m.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: m.streamName }));
  m.streamArn = summary.StreamDescriptionSummary?.StreamARN ?? '';
  const shardIds: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await m.kinesis.send(
      nextToken
        ? new ListShardsCommand({ NextToken: nextToken })
        : new ListShardsCommand({ StreamName: m.streamName }),
    );
    for (const shard of page.Shards ?? []) if (shard.ShardId) shardIds.push(shard.ShardId);
    nextToken = page.NextToken;
  } while (nextToken);

  const loops = shardIds.map((shardId) => {
    const poller = new ShardPoller(shardId, m);
    m.pollers.push(poller);
    return poller.run().catch((err: unknown) => {
      if (!m.stopping) m.log(`${m.label} ${shardId}: poller stopped (${errorName(err)})`);
    });
  });
  const iteratorAgeMs = () => {
    const now = Date.now();
    const heads = m.pollers.map((p) => p.headArrivalMs).filter((t): t is number => t !== undefined);
    return heads.length === 0 ? 0 : Math.max(0, now - Math.min(...heads));
  };

  return {
    stats: () => ({
      functionName: m.functionName,
      streamName: m.streamName,
      shards: shardIds.length,
      ...m.counts,
      iteratorAgeMs: iteratorAgeMs(),
    }),
    async stop() {
      m.stopping = true;
      m.sleeper.wakeAll();
      await Promise.all(loops);
    },
  };
}
