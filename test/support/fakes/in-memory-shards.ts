import type { EventSource, ShardReader, ShardRecord } from '../../../lambdas/use-cases/export/ports';

/**
 * In-memory stand-in for the internal event streams' shards: records appended with increasing sequence
 * numbers (56-digit strings, like Kinesis), iterators after a sequence number, from the oldest record or
 * from an arrival time, reads of a limited size that say when they have caught up.
 */
export class InMemoryShards implements ShardReader {
  readonly shards: Record<EventSource, Map<string, ShardRecord[]>> = {
    sourceEvents: new Map(),
    derivedEvents: new Map(),
  };
  private sequence = 10n ** 55n;
  private readonly iterators = new Map<string, { source: EventSource; shardId: string; index: number }>();
  private nextIterator = 0;
  reads = 0;

  constructor(shardIds: readonly string[] = ['shardId-000000000000', 'shardId-000000000001']) {
    for (const source of ['sourceEvents', 'derivedEvents'] as const) {
      for (const shardId of shardIds) this.shards[source].set(shardId, []);
    }
  }

  /** Appends records to a shard; their sequence numbers, in order. */
  append(
    source: EventSource,
    shardId: string,
    records: readonly { data: Uint8Array; arrivalMs: number }[],
  ): ShardRecord[] {
    const shard = this.shard(source, shardId);
    const added = records.map((r) => {
      this.sequence += 7n;
      return { ...r, sequenceNumber: String(this.sequence) };
    });
    shard.push(...added);
    return added;
  }

  async listShards(source: EventSource): Promise<string[]> {
    return [...this.shards[source].keys()];
  }

  async open(
    source: EventSource,
    shardId: string,
    from: { after: string } | { oldest: true } | { atMs: number },
  ) {
    const shard = this.shard(source, shardId);
    let index = 0;
    if ('after' in from) index = shard.findIndex((r) => BigInt(r.sequenceNumber) > BigInt(from.after));
    else if ('atMs' in from) index = shard.findIndex((r) => r.arrivalMs >= from.atMs);
    return this.iterator(source, shardId, index === -1 ? shard.length : index);
  }

  async read(iterator: string, limit: number) {
    this.reads++;
    const at = this.iterators.get(iterator);
    if (!at) throw Object.assign(new Error('iterator expired'), { name: 'ExpiredIteratorException' });
    const shard = this.shard(at.source, at.shardId);
    const records = shard.slice(at.index, at.index + limit).map((r) => ({ ...r }));
    const index = at.index + records.length;
    return { records, next: this.iterator(at.source, at.shardId, index), caughtUp: index >= shard.length };
  }

  private iterator(source: EventSource, shardId: string, index: number): string {
    const id = `iterator-${this.nextIterator++}`;
    this.iterators.set(id, { source, shardId, index });
    return id;
  }

  private shard(source: EventSource, shardId: string): ShardRecord[] {
    const shard = this.shards[source].get(shardId);
    if (!shard) throw new Error(`no shard ${shardId}`);
    return shard;
  }
}
