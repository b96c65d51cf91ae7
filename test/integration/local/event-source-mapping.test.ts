import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { type Emulators, startEmulators } from '../../../local/emulators';
import {
  type EventSourceMapping,
  type EventSourceMappingOptions,
  startEventSourceMapping,
} from '../../../local/event-source-mapping';
import { localKinesisClient } from '../../../local/local-clients';

/** Records are `r0`, `r1`, ... so a test can name the record a handler saw. */
interface Delivery {
  data: string[];
  sequenceNumbers: string[];
}

function deliveryOf(event: unknown): Delivery {
  const records = (event as KinesisStreamEvent).Records;
  return {
    data: records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()),
    sequenceNumbers: records.map((r) => r.kinesis.sequenceNumber),
  };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `r${from + i}`);

describe('Kinesis event source mapping emulation (kinesalite)', () => {
  let emulators: Emulators;
  let kinesis: KinesisClient;
  let dataDir: string;
  let streamCounter = 0;
  const running: EventSourceMapping[] = [];

  beforeAll(async () => {
    emulators = await startEmulators();
    kinesis = localKinesisClient({ endpoint: emulators.kinesisUrl, credentials: emulators.credentials });
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((m) => m.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterAll(async () => {
    kinesis.destroy();
    await emulators.close();
  });

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ps-esm-'));
  });

  /** A fresh one-shard stream, so record order within it is total. */
  async function newStream(): Promise<string> {
    const name = `esm-test-${++streamCounter}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    for (;;) {
      const { StreamDescriptionSummary } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: name }),
      );
      if (StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return name;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function put(stream: string, data: string[]): Promise<void> {
    await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: data.map((d) => ({ PartitionKey: 'p', Data: Buffer.from(d) })),
      }),
    );
  }

  async function start(
    stream: string,
    handler: EventSourceMappingOptions['handler'],
    extra: Partial<EventSourceMappingOptions> = {},
  ): Promise<EventSourceMapping> {
    const mapping = await startEventSourceMapping({
      kinesis,
      streamName: stream,
      functionName: 'test-fn',
      handler,
      startingPosition: 'TRIM_HORIZON',
      pollIntervalMs: 20,
      retryDelayMs: 1,
      dataDir,
      ...extra,
    });
    running.push(mapping);
    return mapping;
  }

  async function stop(mapping: EventSourceMapping): Promise<void> {
    running.splice(running.indexOf(mapping), 1);
    await mapping.stop();
  }

  it('reports how far it lags (iterator age) while a batch is in hand, and 0 once caught up', async () => {
    const stream = await newStream();
    await put(stream, ['a']);
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const mapping = await start(stream, () => held);
    await eventually(() => mapping.stats().invocations >= 1, 'the batch in hand');
    await new Promise((r) => setTimeout(r, 300));
    expect(mapping.stats().iteratorAgeMs).toBeGreaterThanOrEqual(300);
    release();
    await eventually(
      () => mapping.stats().processed === 1 && mapping.stats().iteratorAgeMs === 0,
      'caught up',
    );
  });

  it('logs a throwing handler by its error name, never its message, a few times a minute at most', async () => {
    const stream = await newStream();
    await put(stream, ['a']);
    const lines: string[] = [];
    class PoisonError extends Error {
      override name = 'PoisonError';
    }
    const mapping = await start(
      stream,
      async () => {
        throw new PoisonError('event {"email":"ada@example.com"}');
      },
      { maxRetryAttempts: 9, log: (line) => lines.push(line) },
    );
    await eventually(() => mapping.stats().deadLettered === 1, 'the dead-lettered record');
    const thrown = lines.filter((line) => line.includes('handler threw'));
    expect(thrown[0]).toContain('handler threw PoisonError');
    expect(thrown.length).toBeLessThanOrEqual(6);
    expect(lines.join('\n')).not.toContain('ada@example.com');
  });

  it('never hands the handler more records than the batch size, and delivers all in order', async () => {
    const stream = await newStream();
    await put(stream, names(0, 25));
    const batches: Delivery[] = [];
    await start(stream, async (event) => void batches.push(deliveryOf(event)), { batchSize: 10 });
    await eventually(() => batches.flatMap((b) => b.data).length >= 25, '25 records');
    expect(Math.max(...batches.map((b) => b.data.length))).toBeLessThanOrEqual(10);
    expect(batches.flatMap((b) => b.data)).toEqual(names(0, 25));
  });

  it('starts at LATEST without a checkpoint when asked (no replay of older records)', async () => {
    const stream = await newStream();
    await put(stream, ['old-1', 'old-2']);
    const seen: string[] = [];
    const mapping = await start(stream, async (event) => void seen.push(...deliveryOf(event).data), {
      startingPosition: 'LATEST',
    });
    // The shard iterator is taken before the first poll: only records written after that are new.
    await eventually(() => mapping.stats().polls >= 1, 'the first poll');
    await put(stream, ['new-1']);
    await eventually(() => seen.length >= 1, 'the new record');
    expect(seen).toEqual(['new-1']);
  });

  it('persists a checkpoint after each batch and resumes after it on restart', async () => {
    const stream = await newStream();
    await put(stream, names(0, 5));
    const first: string[] = [];
    const mapping = await start(stream, async (event) => void first.push(...deliveryOf(event).data));
    await eventually(() => first.length >= 5, 'first 5 records');
    await stop(mapping);

    const checkpointFile = join(dataDir, 'checkpoints', `test-fn-${stream}-shardId-000000000000.json`);
    expect(JSON.parse(readFileSync(checkpointFile, 'utf8')).sequenceNumber).toMatch(/^\d+$/);

    await put(stream, names(5, 8));
    const second: string[] = [];
    await start(stream, async (event) => void second.push(...deliveryOf(event).data));
    await eventually(() => second.length >= 3, 'the 3 new records');
    await new Promise((r) => setTimeout(r, 100));
    expect(second).toEqual(names(5, 8));
  });

  it('loses and duplicates nothing across a graceful stop in the middle of a stream', async () => {
    const stream = await newStream();
    await put(stream, names(0, 40));
    const seen: string[] = [];
    const slowHandler = async (event: unknown) => {
      await new Promise((r) => setTimeout(r, 15));
      seen.push(...deliveryOf(event).data);
    };
    const mapping = await start(stream, slowHandler, { batchSize: 4 });
    await eventually(() => seen.length >= 8, 'some batches');
    await stop(mapping);
    const beforeRestart = seen.length;
    expect(beforeRestart).toBeLessThan(40);

    await start(stream, slowHandler, { batchSize: 4 });
    await eventually(() => seen.length >= 40, 'all 40 records');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(names(0, 40));
  });

  it('retries from the first record named in batchItemFailures, not from the start of the batch', async () => {
    const stream = await newStream();
    await put(stream, names(0, 6));
    const batches: Delivery[] = [];
    let failedOnce = false;
    const mapping = await start(stream, async (event) => {
      const delivery = deliveryOf(event);
      batches.push(delivery);
      const r3 = delivery.data.indexOf('r3');
      const r4 = delivery.data.indexOf('r4');
      if (!failedOnce && r3 !== -1) {
        failedOnce = true;
        // Reported out of order on purpose: the lowest sequence number decides.
        return {
          batchItemFailures: [
            { itemIdentifier: delivery.sequenceNumbers[r4] },
            { itemIdentifier: delivery.sequenceNumbers[r3] },
          ],
        };
      }
      return { batchItemFailures: [] };
    });
    await eventually(() => batches.length >= 2, 'the retry');
    expect(batches[0]!.data).toEqual(names(0, 6));
    expect(batches[1]!.data).toEqual(names(3, 6));
    expect(mapping.stats()).toMatchObject({ processed: 6, failed: 3, retried: 1, deadLettered: 0 });
  });

  it('treats a thrown error as a failure of the whole batch and retries it', async () => {
    const stream = await newStream();
    await put(stream, names(0, 3));
    const batches: Delivery[] = [];
    await start(stream, async (event) => {
      batches.push(deliveryOf(event));
      if (batches.length === 1) throw new Error('transient');
    });
    await eventually(
      () => batches.flatMap((b) => b.data).includes('r2') && batches.length >= 3,
      'the retries',
    );
    expect(batches[0]!.data).toEqual(names(0, 3));
    // Bisected: the halves come next, in order.
    expect(batches.slice(1).flatMap((b) => b.data)).toEqual(names(0, 3));
  });

  it('dead-letters a poison record after the retries (bisecting around it) and moves on', async () => {
    const stream = await newStream();
    await put(stream, names(0, 5));
    const succeeded: string[] = [];
    const mapping = await start(
      stream,
      async (event) => {
        const { data } = deliveryOf(event);
        if (data.includes('r2')) throw new Error('poison');
        succeeded.push(...data);
      },
      { maxRetryAttempts: 2 },
    );
    await eventually(() => mapping.stats().deadLettered === 1 && succeeded.length === 4, 'the dead letter');
    expect(succeeded.sort()).toEqual(['r0', 'r1', 'r3', 'r4']);

    const lines = readFileSync(join(dataDir, 'dead-letter', 'test-fn.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      KinesisBatchInfo: { shardId: 'shardId-000000000000', batchSize: 1 },
    });
    expect(entry.KinesisBatchInfo.startSequenceNumber).toBe(entry.KinesisBatchInfo.endSequenceNumber);
    expect(JSON.stringify(entry)).not.toContain(Buffer.from('r2').toString('base64'));

    // The checkpoint moved past the poison record: a restart delivers nothing again.
    await stop(mapping);
    const replayed: string[] = [];
    await start(stream, async (event) => void replayed.push(...deliveryOf(event).data));
    await put(stream, ['r5']);
    await eventually(() => replayed.length >= 1, 'the next record');
    expect(replayed).toEqual(['r5']);
  });

  it('without bisecting, dead-letters the whole failing batch after maxRetryAttempts retries', async () => {
    const stream = await newStream();
    await put(stream, names(0, 3));
    let invocations = 0;
    const mapping = await start(
      stream,
      async () => {
        invocations++;
        throw new Error('always');
      },
      { maxRetryAttempts: 2, bisectBatchOnFunctionError: false },
    );
    await eventually(() => mapping.stats().deadLettered === 3, 'the dead letter');
    expect(invocations).toBe(3);
    expect(mapping.stats()).toMatchObject({ invocations: 3, retried: 2, failed: 9, processed: 0 });
    const entry = JSON.parse(readFileSync(join(dataDir, 'dead-letter', 'test-fn.jsonl'), 'utf8'));
    expect(entry.KinesisBatchInfo.batchSize).toBe(3);
  });

  it('dead-letters records past the maximum record age without invoking the handler, and goes on with fresh ones', async () => {
    // Prepare
    const stream = await newStream();
    await put(stream, ['stale-1', 'stale-2']);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const seen: string[] = [];
    // Act
    const mapping = await start(stream, async (event) => void seen.push(...deliveryOf(event).data), {
      maxRecordAgeMs: 1000,
    });
    await put(stream, ['fresh']);
    await eventually(() => seen.length >= 1 && mapping.stats().deadLettered === 2, 'the fresh record');
    // Assess
    expect(seen).toEqual(['fresh']);
    const entry = JSON.parse(readFileSync(join(dataDir, 'dead-letter', 'test-fn.jsonl'), 'utf8'));
    expect(entry).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 },
      KinesisBatchInfo: { batchSize: 2 },
    });
    expect(entry.responseContext).not.toHaveProperty('functionError');
  });

  it('counts a dead letter only once its entry is in the file', async () => {
    // Prepare
    const stream = await newStream();
    await put(stream, ['poison']);
    // Act
    const mapping = await start(
      stream,
      async () => {
        throw new Error('always');
      },
      { maxRetryAttempts: 0 },
    );
    // Watch the counter on every turn of the event loop and read the file the moment it moves.
    const linesWhenCounted = await new Promise<string[]>((resolve) => {
      const watch = () => {
        if (mapping.stats().deadLettered === 0) return void setImmediate(watch);
        const file = join(dataDir, 'dead-letter', 'test-fn.jsonl');
        resolve(existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);
      };
      watch();
    });
    // Assess
    expect(linesWhenCounted).toHaveLength(1);
  });

  it('refuses a parallelization factor other than 1 (one batch per shard at a time is what it emulates)', async () => {
    // Prepare
    const stream = await newStream();
    // Act
    const started = start(stream, async () => undefined, { parallelizationFactor: 2 });
    // Assess
    await expect(started).rejects.toThrow(/parallelizationFactor 1/);
  });

  it('keeps nothing on disk without a data directory', async () => {
    const stream = await newStream();
    await put(stream, ['only']);
    const seen: string[] = [];
    await start(stream, async (event) => void seen.push(...deliveryOf(event).data), { dataDir: undefined });
    await eventually(() => seen.length === 1, 'the record');
    expect(existsSync(join(dataDir, 'checkpoints'))).toBe(false);
  });
});
