import type { BatchExporterRecord } from '../../core/batch-exporter';
import { CachedLoader } from '../../core/cached-loader';
import type { ExporterDirectory } from './ports';
import { EXPORTER_CACHE_TTL_MS } from './shard-exports';

/**
 * The stream consumer's view of the exporter definitions: the set of streams that have exporters, and a
 * stream's exporters, each trusted for EXPORTER_CACHE_TTL_MS (one read per stream and batch at most
 * otherwise). A new exporter's shards stay in backfill until that time has passed, so nothing falls
 * between a stale cache and the backfill.
 */
export class CachedExporterDirectory implements ExporterDirectory {
  private readonly byStream: CachedLoader<string, BatchExporterRecord[]>;
  private readonly exported: CachedLoader<'all', { accountId: string; stream: string }[]>;

  constructor(
    private readonly source: ExporterDirectory,
    opts: { now?: () => number; capacity?: number } = {},
  ) {
    this.byStream = new CachedLoader({
      capacity: opts.capacity ?? 10_000,
      ttlMs: EXPORTER_CACHE_TTL_MS,
      now: opts.now,
    });
    this.exported = new CachedLoader({ capacity: 1, ttlMs: EXPORTER_CACHE_TTL_MS, now: opts.now });
  }

  listExportedStreams(): Promise<{ accountId: string; stream: string }[]> {
    return this.exported.get('all', () => this.source.listExportedStreams());
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
