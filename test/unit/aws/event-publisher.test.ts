import {
  KinesisClient,
  ProvisionedThroughputExceededException,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsCommandInput,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { KinesisEventPublisher } from '../../../lambdas/aws/event-publisher';
import {
  decodeEnvelope,
  type EventEnvelope,
  encodeEnvelope,
  type OutgoingRecord,
} from '../../../lambdas/core/event-envelope';
import { httpStatusOf } from '../../../lambdas/core/http-status';

const kinesisMock = mockClient(KinesisClient);

beforeEach(() => kinesisMock.reset());

function record(n: number, payloadBytes = 10): OutgoingRecord {
  return {
    partitionKey: `link-${n}`,
    envelope: {
      v: 1,
      accountId: 'acc',
      stream: 'demo',
      contractRef: 'a/b/1.0.0',
      event: { n, pad: 'x'.repeat(payloadBytes) },
    },
  };
}

function publisher(maxAttempts = 4) {
  return new KinesisEventPublisher({
    kinesis: new KinesisClient({ region: 'us-east-1' }),
    streamName: 'derived-events',
    maxAttempts,
    sleep: async () => {},
  });
}

/** The `n` of every entry sent, per PutRecords call. */
function sentNumbers(): number[][] {
  return kinesisMock
    .commandCalls(PutRecordsCommand)
    .map((call) =>
      (call.args[0].input as PutRecordsCommandInput).Records!.map(
        (entry) => decodeEnvelope(entry.Data!).event.n as number,
      ),
    );
}

describe('envelope encoding', () => {
  it('round-trips an envelope', () => {
    const envelope: EventEnvelope = record(1).envelope;
    expect(decodeEnvelope(encodeEnvelope(envelope))).toEqual(envelope);
  });

  it.each([
    ['not JSON', 'nope'],
    ['another version', JSON.stringify({ v: 2, accountId: 'a', stream: 's', contractRef: 'c', event: {} })],
    [
      'an event that is not an object',
      JSON.stringify({ v: 1, accountId: 'a', stream: 's', contractRef: 'c', event: [] }),
    ],
    ['a missing account', JSON.stringify({ v: 1, stream: 's', contractRef: 'c', event: {} })],
  ])('rejects %s', (_, data) => {
    expect(() => decodeEnvelope(Buffer.from(data))).toThrow(/record data/);
  });
});

describe('publish (ingest)', () => {
  it('writes one record with the key link as partition key', async () => {
    kinesisMock.on(PutRecordCommand).resolves({ SequenceNumber: '1', ShardId: 'shardId-0' });
    await publisher().publish(record(7));
    const [call] = kinesisMock.commandCalls(PutRecordCommand);
    expect(call!.args[0].input).toMatchObject({ StreamName: 'derived-events', PartitionKey: 'link-7' });
  });

  it('turns a throttled stream into a 429', async () => {
    kinesisMock
      .on(PutRecordCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const error = await publisher()
      .publish(record(1))
      .catch((e: unknown) => e);
    expect(httpStatusOf(error)).toBe(429);
  });

  it('rethrows other errors', async () => {
    kinesisMock.on(PutRecordCommand).rejects(new Error('boom'));
    await expect(publisher().publish(record(1))).rejects.toThrow('boom');
  });
});

describe('publish while a write is in flight', () => {
  it('writes the records that arrived meanwhile together in one PutRecords call', async () => {
    kinesisMock.on(PutRecordCommand).resolves({ SequenceNumber: '1', ShardId: 'shardId-0' });
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 0,
      Records: input.Records!.map(() => ({ SequenceNumber: '2', ShardId: 'shardId-0' })),
    }));
    const p = publisher();
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => p.publish(record(n))));
    expect(kinesisMock.commandCalls(PutRecordCommand)).toHaveLength(1);
    expect(sentNumbers()).toEqual([[2, 3, 4, 5, 6]]);
  });

  it('resolves each caller only for its own entry: a rejected entry fails only its caller', async () => {
    kinesisMock.on(PutRecordCommand).resolves({ SequenceNumber: '1', ShardId: 'shardId-0' });
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: input.Records!.map((entry) =>
        decodeEnvelope(entry.Data!).event.n === 3
          ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }
          : { SequenceNumber: '2', ShardId: 'shardId-0' },
      ),
    }));
    const p = publisher(2);
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => p.publish(record(n))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(httpStatusOf((outcomes[2] as PromiseRejectedResult).reason)).toBe(429);
    // The throttled entry was retried once (maxAttempts 2) before its caller was told.
    expect(sentNumbers()).toEqual([[2, 3, 4], [3]]);
  });

  it('fails every waiting caller when the PutRecords call itself fails', async () => {
    kinesisMock.on(PutRecordCommand).resolves({ SequenceNumber: '1', ShardId: 'shardId-0' });
    kinesisMock.on(PutRecordsCommand).rejects(new Error('connection reset'));
    const p = publisher(1);
    const outcomes = await Promise.allSettled([1, 2, 3].map((n) => p.publish(record(n))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(httpStatusOf((outcomes[1] as PromiseRejectedResult).reason)).toBe(500);
  });
});

describe('publish of a record over the Kinesis limit', () => {
  it('refuses it with 413 without writing it, and still writes the records around it', async () => {
    kinesisMock.on(PutRecordCommand).resolves({ SequenceNumber: '1', ShardId: 'shardId-0' });
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 0,
      Records: input.Records!.map(() => ({ SequenceNumber: '2', ShardId: 'shardId-0' })),
    }));
    const p = publisher();
    const outcomes = await Promise.allSettled([
      p.publish(record(1)),
      p.publish(record(2, 1024 * 1024)),
      p.publish(record(3)),
      p.publish(record(4)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(httpStatusOf((outcomes[1] as PromiseRejectedResult).reason)).toBe(413);
    expect(sentNumbers()).toEqual([[3, 4]]);
  });
});

describe('publishBatch', () => {
  it('writes at most 500 records per call', async () => {
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 0,
      Records: input.Records!.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-0' })),
    }));
    const result = await publisher().publishBatch(Array.from({ length: 1201 }, (_, n) => record(n)));
    expect(result.failed).toEqual([]);
    expect(sentNumbers().map((chunk) => chunk.length)).toEqual([500, 500, 201]);
  });

  it('writes at most 5 MiB per call', async () => {
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 0,
      Records: input.Records!.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-0' })),
    }));
    const nearlyOneMiB = 1024 * 1024 - 200;
    await publisher().publishBatch(Array.from({ length: 6 }, (_, n) => record(n, nearlyOneMiB)));
    expect(sentNumbers()).toEqual([[0, 1, 2, 3, 4], [5]]);
  });

  it('retries only the entries that failed', async () => {
    kinesisMock
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 1,
        Records: [
          { SequenceNumber: '1' },
          { ErrorCode: 'ProvisionedThroughputExceededException' },
          { SequenceNumber: '3' },
        ],
      })
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '4' }] });
    const result = await publisher().publishBatch([record(0), record(1), record(2)]);
    expect(result.failed).toEqual([]);
    expect(sentNumbers()).toEqual([[0, 1, 2], [1]]);
  });

  it('reports the inputs that still fail after the last attempt', async () => {
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: input.Records!.map((entry) =>
        decodeEnvelope(entry.Data!).event.n === 2
          ? { ErrorCode: 'InternalFailure' }
          : { SequenceNumber: '1' },
      ),
    }));
    const result = await publisher(3).publishBatch([record(0), record(1), record(2), record(3)]);
    expect(result.failed).toEqual([2]);
    expect(sentNumbers()).toEqual([[0, 1, 2, 3], [2], [2]]);
  });

  it('treats a failed call as a failure of all its entries and retries them', async () => {
    kinesisMock
      .on(PutRecordsCommand)
      .rejectsOnce(new Error('connection reset'))
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }, { SequenceNumber: '2' }] });
    expect((await publisher().publishBatch([record(0), record(1)])).failed).toEqual([]);
    expect(sentNumbers()).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it('never sends a record over the one-record limit, writes the others and reports it as oversized', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 0,
      Records: input.Records!.map(() => ({ SequenceNumber: '1', ShardId: 'shardId-0' })),
    }));
    const records = [record(0), record(1, 1024 * 1024), record(2)];
    // Act
    const result = await publisher().publishBatch(records);
    // Assess
    expect(result).toEqual({ failed: [], oversized: [1] });
    expect(sentNumbers()).toEqual([[0, 2]]);
  });

  it('reports failed inputs by their index in the batch when an oversized record precedes them', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: input.Records!.map((entry) =>
        decodeEnvelope(entry.Data!).event.n === 2
          ? { ErrorCode: 'InternalFailure' }
          : { SequenceNumber: '1' },
      ),
    }));
    // Act
    const result = await publisher(1).publishBatch([record(0), record(1, 1024 * 1024), record(2)]);
    // Assess
    expect(result).toEqual({ failed: [2], oversized: [1] });
  });

  it('makes no call for an empty batch', async () => {
    expect(await publisher().publishBatch([])).toEqual({ failed: [] });
    expect(kinesisMock.calls()).toHaveLength(0);
  });
});

describe('publishAll: a result per record (POST /events)', () => {
  it('retries only the refused entries and reports every record written', async () => {
    // Prepare
    kinesisMock
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 1,
        Records: [{ SequenceNumber: '1' }, { ErrorCode: 'InternalFailure' }, { SequenceNumber: '3' }],
      })
      .resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '4' }] });
    // Act
    const outcomes = await publisher().publishAll([record(0), record(1), record(2)]);
    // Assess
    expect(outcomes).toEqual([undefined, undefined, undefined]);
    expect(sentNumbers()).toEqual([[0, 1, 2], [1]]);
  });

  it('reports a record the stream kept throttling as a 429, and the others as written', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: input.Records!.map((entry) =>
        decodeEnvelope(entry.Data!).event.n === 1
          ? { ErrorCode: 'ProvisionedThroughputExceededException' }
          : { SequenceNumber: '1' },
      ),
    }));
    // Act
    const outcomes = await publisher(2).publishAll([record(0), record(1)]);
    // Assess
    expect(outcomes[0]).toBeUndefined();
    expect(httpStatusOf(outcomes[1])).toBe(429);
  });

  it('reports a record over the one-record limit as a 413 without sending it', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).resolves({ FailedRecordCount: 0, Records: [{ SequenceNumber: '1' }] });
    // Act
    const outcomes = await publisher().publishAll([record(0, 1024 * 1024), record(1)]);
    // Assess
    expect(httpStatusOf(outcomes[0])).toBe(413);
    expect(outcomes[1]).toBeUndefined();
    expect(sentNumbers()).toEqual([[1]]);
  });

  it('reports another failure as an internal error (500)', async () => {
    // Prepare
    kinesisMock.on(PutRecordsCommand).rejects(new Error('connection reset'));
    // Act
    const outcomes = await publisher(1).publishAll([record(0)]);
    // Assess
    expect(httpStatusOf(outcomes[0])).toBe(500);
  });
});
