import type { ExportersRepo } from '../../../lambdas/aws/exporters-repo';
import type { BatchExporterRecord } from '../../../lambdas/core/batch-exporter';
import { ConflictError } from '../../../lambdas/core/errors';

type ExportersRepoSurface = Pick<
  ExportersRepo,
  | 'create'
  | 'get'
  | 'listByAccount'
  | 'listByStream'
  | 'listExportedStreams'
  | 'delete'
  | 'listNew'
  | 'markInitialized'
>;

/**
 * In-memory stand-in for the exporters table with the adapter's semantics: a name clash on create is a
 * ConflictError, a created exporter is "new" until marked initialized (only the same incarnation), reads
 * return copies sorted by name.
 */
export class InMemoryExportersRepo implements ExportersRepoSurface {
  readonly exporters = new Map<string, BatchExporterRecord>();
  readonly fresh = new Set<string>();
  /** Calls per method, to check what a cache saves. */
  readonly calls: Record<string, number> = {};

  async create(record: BatchExporterRecord): Promise<void> {
    this.count('create');
    const id = key(record.accountId, record.name);
    if (this.exporters.has(id)) {
      throw new ConflictError(`batch exporter ${record.name} already exists`, 'batch_exporter_exists');
    }
    this.exporters.set(id, structuredClone(record));
    this.fresh.add(id);
  }

  async get(accountId: string, name: string): Promise<BatchExporterRecord | undefined> {
    this.count('get');
    const record = this.exporters.get(key(accountId, name));
    return record ? structuredClone(record) : undefined;
  }

  async listByAccount(accountId: string): Promise<BatchExporterRecord[]> {
    this.count('listByAccount');
    return this.sorted((e) => e.accountId === accountId);
  }

  async listByStream(accountId: string, stream: string): Promise<BatchExporterRecord[]> {
    this.count('listByStream');
    return this.sorted((e) => e.accountId === accountId && e.stream === stream);
  }

  async listExportedStreams(): Promise<{ accountId: string; stream: string }[]> {
    this.count('listExportedStreams');
    return [...this.exporters.values()].map(({ accountId, stream }) => ({ accountId, stream }));
  }

  async delete(accountId: string, name: string): Promise<void> {
    this.count('delete');
    this.exporters.delete(key(accountId, name));
    this.fresh.delete(key(accountId, name));
  }

  async listNew(limit: number): Promise<BatchExporterRecord[]> {
    this.count('listNew');
    return this.sorted((e) => this.fresh.has(key(e.accountId, e.name))).slice(0, limit);
  }

  async markInitialized(exporter: BatchExporterRecord): Promise<void> {
    this.count('markInitialized');
    const stored = this.exporters.get(key(exporter.accountId, exporter.name));
    if (stored?.exporterId === exporter.exporterId) this.fresh.delete(key(exporter.accountId, exporter.name));
  }

  /** Stores an exporter as a test prepares it (not "new": no initialization pending). */
  put(record: BatchExporterRecord): void {
    this.exporters.set(key(record.accountId, record.name), structuredClone(record));
  }

  private sorted(filter: (e: BatchExporterRecord) => boolean): BatchExporterRecord[] {
    return [...this.exporters.values()]
      .filter(filter)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((e) => structuredClone(e));
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }
}

function key(accountId: string, name: string): string {
  return `${accountId}\u0000${name}`;
}
