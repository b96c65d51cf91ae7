import type { BatchExporterRecord } from '../../core/batch-exporter';
import { CachedLoader } from '../../core/cached-loader';
import type { ExporterDirectory } from './ports';
import { EXPORTER_CACHE_TTL_MS } from './shard-exports';

/**
 * The stream consumer's view of the exporter definitions: a stream's exporters trusted for
 * EXPORTER_CACHE_TTL_MS (one query per stream and batch at most otherwise). A new exporter's shards stay
 * in backfill until that time has passed, so nothing falls between a stale cache and the backfill.
 */
export class CachedExporterDirectory implements ExporterDirectory {
  private readonly byStream: CachedLoader<string, BatchExporterRecord[]>;

  constructor(
    private readonly source: ExporterDirectory,
    opts: { now?: () => number; capacity?: number } = {},
  ) {
    this.byStream = new CachedLoader({
      capacity: opts.capacity ?? 10_000,
      ttlMs: EXPORTER_CACHE_TTL_MS,
      now: opts.now,
    });
  }

  listByStream(accountId: string, stream: string): Promise<BatchExporterRecord[]> {
    return this.byStream.get(`${accountId}\u0000${stream}`, () =>
      this.source.listByStream(accountId, stream),
    );
  }

  get(accountId: string, name: string): Promise<BatchExporterRecord | undefined> {
    return this.source.get(accountId, name);
  }

  listNew(limit: number): Promise<BatchExporterRecord[]> {
    return this.source.listNew(limit);
  }

  markInitialized(exporter: BatchExporterRecord): Promise<void> {
    return this.source.markInitialized(exporter);
  }
}
