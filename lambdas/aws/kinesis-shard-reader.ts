import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { EventSource, ShardReader } from '../use-cases/export/ports';

/**
 * Reads the shards of the internal event streams directly (an exporter's backfill). `atTimestamp: false`
 * opens an iterator "from a time" at the oldest record instead: the same export (older records are
 * skipped by their arrival time), for Kinesis APIs that cannot seek by time (kinesalite never answers an
 * AT_TIMESTAMP request when no record is that new).
 */
export class KinesisShardReader implements ShardReader {
  constructor(
    private readonly opts: {
      kinesis: KinesisClient;
      streamNames: Readonly<Record<EventSource, string>>;
      atTimestamp: boolean;
    },
  ) {}

  async listShards(source: EventSource): Promise<string[]> {
    const shardIds: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.opts.kinesis.send(
        nextToken
          ? new ListShardsCommand({ NextToken: nextToken })
          : new ListShardsCommand({ StreamName: this.opts.streamNames[source] }),
      );
      for (const shard of page.Shards ?? []) if (shard.ShardId) shardIds.push(shard.ShardId);
      nextToken = page.NextToken;
    } while (nextToken);
    return shardIds;
  }

  async open(
    source: EventSource,
    shardId: string,
    from: { after: string } | { oldest: true } | { atMs: number },
  ): Promise<string | undefined> {
    const base = { StreamName: this.opts.streamNames[source], ShardId: shardId };
    const input: GetShardIteratorCommandInput =
      'after' in from
        ? { ...base, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: from.after }
        : 'atMs' in from && this.opts.atTimestamp
          ? { ...base, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(from.atMs) }
          : { ...base, ShardIteratorType: 'TRIM_HORIZON' };
    return (await this.opts.kinesis.send(new GetShardIteratorCommand(input))).ShardIterator;
  }

  async read(iterator: string, limit: number) {
    const out = await this.opts.kinesis.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }),
    );
    return {
      records: (out.Records ?? []).map((record) => ({
        sequenceNumber: record.SequenceNumber ?? '',
        arrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? 0,
        data: record.Data ?? new Uint8Array(),
      })),
      next: out.NextShardIterator,
      // A full page may have more behind it even at MillisBehindLatest 0 (kinesalite always says 0).
      caughtUp:
        out.NextShardIterator === undefined ||
        ((out.Records ?? []).length < limit && out.MillisBehindLatest === 0),
    };
  }
}
