import {
  CONNECTION_LIFETIME_SECONDS,
  type ConnectionRecord,
  type ConnectionsRepo,
  type NewConnection,
} from '../../../lambdas/aws/connections-repo';

type ConnectionsRepoSurface = Pick<
  ConnectionsRepo,
  'put' | 'delete' | 'listByStream' | 'subscribersChangedAt'
>;

/**
 * In-memory stand-in for the connections table with the adapter's semantics: `put` stamps `connectedAt`
 * and an `expiresAt` two hours later (epoch seconds), `listByStream` returns only the live subscribers of
 * one stream of one account, deleting an unknown connection is a no-op, reads return copies, `put` marks
 * its stream's subscribers changed (`subscribersChangedAt`). The clock is
 * injectable, as in the adapter. For unit tests of handlers and use cases (no emulator, no network).
 */
export class InMemoryConnectionsRepo implements ConnectionsRepoSurface {
  readonly connections = new Map<string, ConnectionRecord>();
  /** Calls per method. */
  readonly calls: Record<string, number> = {};
  /** Streams whose subscribers cannot be listed (`listByStream` rejects), as when the index is unavailable. */
  failListing: (accountId: string, streamName: string) => boolean = () => false;
  private readonly now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }

  async put(connection: NewConnection): Promise<ConnectionRecord> {
    this.count('put');
    const nowMs = this.now();
    const { batch, ...fields } = connection;
    const record: ConnectionRecord = {
      ...fields,
      connectedAt: nowMs,
      expiresAt: Math.floor(nowMs / 1000) + CONNECTION_LIFETIME_SECONDS,
      ...(batch ? { batch: true } : {}),
    };
    this.connections.set(record.connectionId, record);
    this.changedAt.set(`${record.accountId}\u0000${record.streamName}`, nowMs);
    return { ...record };
  }

  /** When a stream last gained a subscriber (ms), as the adapter's change mark says. */
  async subscribersChangedAt(accountId: string, streamName: string): Promise<number | undefined> {
    this.count('subscribersChangedAt');
    return this.changedAt.get(`${accountId}\u0000${streamName}`);
  }

  private readonly changedAt = new Map<string, number>();

  async delete(connectionId: string): Promise<void> {
    this.count('delete');
    this.connections.delete(connectionId);
  }

  async listByStream(accountId: string, streamName: string): Promise<ConnectionRecord[]> {
    this.count('listByStream');
    if (this.failListing(accountId, streamName)) throw new Error('connections index unavailable');
    const nowSeconds = Math.floor(this.now() / 1000);
    return [...this.connections.values()]
      .filter((c) => c.accountId === accountId && c.streamName === streamName && c.expiresAt > nowSeconds)
      .map((c) => ({ ...c }));
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }
}
