/**
 * Collects the keys asked for in one turn of the event loop and loads them together, at most `maxBatch`
 * per call (DynamoDB BatchGetItem takes 100 keys): many concurrent single reads become a few batch reads.
 * A failed call fails exactly the keys it carried. Caching is not its business (see CachedLoader).
 */
export class BatchedLoader<K, V> {
  private pending: { key: K; resolve: (value: V | undefined) => void; reject: (error: unknown) => void }[] =
    [];
  private scheduled = false;

  constructor(
    private readonly loadMany: (keys: K[]) => Promise<ReadonlyMap<K, V>>,
    private readonly maxBatch = 100,
  ) {}

  /** The value for a key (undefined when the load does not have it), loaded with the other keys of this turn. */
  load(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After every promise continuation of this turn: all concurrent callers have asked by then.
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const waiting = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (let start = 0; start < waiting.length; start += this.maxBatch) {
      const chunk = waiting.slice(start, start + this.maxBatch);
      const keys = [...new Set(chunk.map((entry) => entry.key))];
      this.loadMany(keys).then(
        (values) => {
          for (const entry of chunk) entry.resolve(values.get(entry.key));
        },
        (error: unknown) => {
          for (const entry of chunk) entry.reject(error);
        },
      );
    }
  }
}
