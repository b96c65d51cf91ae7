import { dueAtOf, type ShardExportState } from '../../../lambdas/core/export-state';
import type { DueItem, ExportStateStore, KeyMarker } from '../../../lambdas/use-cases/export/ports';

/**
 * In-memory stand-in for the export-state table with the adapter's semantics: a put wins only against
 * the version it expects (none: only when absent), the due list follows dueAtOf, key markers expire.
 * Every call yields to the event loop first, so concurrent writers really interleave. `beforePut` lets a
 * test act between a writer's read and its write (another writer winning the race).
 */
export class InMemoryExportStateStore implements ExportStateStore {
  readonly states = new Map<string, ShardExportState>();
  readonly markers = new Map<string, { marker: KeyMarker; expiresAtMs: number }>();
  /** Puts that lost their condition. */
  lostPuts = 0;
  beforePut?: (state: ShardExportState) => Promise<void> | void;

  constructor(private readonly now: () => number = Date.now) {}

  async get(exporterId: string, shardId: string): Promise<ShardExportState | undefined> {
    await yieldToEventLoop();
    const state = this.states.get(stateKey(exporterId, shardId));
    return state ? structuredClone(state) : undefined;
  }

  async put(state: ShardExportState, expectedVersion: number | undefined): Promise<boolean> {
    await yieldToEventLoop();
    await this.beforePut?.(state);
    const stored = this.states.get(stateKey(state.exporterId, state.shardId));
    if (stored?.version !== expectedVersion) {
      this.lostPuts++;
      return false;
    }
    this.states.set(stateKey(state.exporterId, state.shardId), structuredClone(state));
    return true;
  }

  async listOfExporter(exporterId: string): Promise<ShardExportState[]> {
    await yieldToEventLoop();
    return [...this.states.values()]
      .filter((s) => s.exporterId === exporterId)
      .map((s) => structuredClone(s));
  }

  async delete(exporterId: string, shardId: string): Promise<void> {
    await yieldToEventLoop();
    this.states.delete(stateKey(exporterId, shardId));
  }

  async listDue(nowMs: number, limit: number): Promise<DueItem[]> {
    await yieldToEventLoop();
    return [...this.states.values()]
      .map((state) => ({ state, dueAt: dueAtOf(state) }))
      .filter(
        (s): s is { state: ShardExportState; dueAt: number } => s.dueAt !== undefined && s.dueAt <= nowMs,
      )
      .sort((a, b) => a.dueAt - b.dueAt)
      .slice(0, limit)
      .map(({ state }) => ({
        exporterId: state.exporterId,
        accountId: state.accountId,
        exporterName: state.exporterName,
        shardId: state.shardId,
      }));
  }

  async getKeyMarkers(exporterId: string, keyLinkIds: readonly string[]): Promise<Map<string, KeyMarker>> {
    await yieldToEventLoop();
    const found = new Map<string, KeyMarker>();
    for (const keyLinkId of keyLinkIds) {
      const entry = this.markers.get(markerKey(exporterId, keyLinkId));
      if (entry && entry.expiresAtMs >= this.now()) found.set(keyLinkId, { ...entry.marker });
    }
    return found;
  }

  async putKeyMarkers(exporterId: string, markers: readonly KeyMarker[], expiresAtMs: number): Promise<void> {
    await yieldToEventLoop();
    for (const marker of markers)
      this.markers.set(markerKey(exporterId, marker.keyLinkId), { marker: { ...marker }, expiresAtMs });
  }

  async deleteKeyMarkers(exporterId: string): Promise<void> {
    await yieldToEventLoop();
    for (const id of [...this.markers.keys()])
      if (id.startsWith(`${exporterId}\u0000`)) this.markers.delete(id);
  }
}

const stateKey = (exporterId: string, shardId: string) => `${exporterId}\u0000${shardId}`;
const markerKey = (exporterId: string, keyLinkId: string) => `${exporterId}\u0000${keyLinkId}`;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
