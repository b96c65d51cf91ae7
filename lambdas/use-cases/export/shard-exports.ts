import type { BatchExporterRecord } from '../../core/batch-exporter';
import { errorName } from '../../core/errors';
import { exportFileKey, stagedPartKey } from '../../core/export-files';
import {
  afterFileWritten,
  initialShardState,
  isAfter,
  isBufferDue,
  type ShardExportState,
  sealed,
  withLiveSeen,
  withPart,
  withPosition,
} from '../../core/export-state';
import { exportLines } from './export-lines';
import type { ExportPorts, ExportRecord } from './ports';

/**
 * How long the stream consumer may go on not knowing a new exporter (its definitions cache), plus clock
 * slack. Until then every shard of a new exporter stays in backfill, so no event falls between the two.
 */
export const EXPORTER_CACHE_TTL_MS = 5_000;
const KNOWN_EVERYWHERE_AFTER_MS = EXPORTER_CACHE_TTL_MS + 5_000;
/** Writers that lose the optimistic lock retry this often before the batch fails. */
const MAX_ATTEMPTS = 20;

/** More writers kept winning the state than MAX_ATTEMPTS allows; the batch is retried. */
export class ExportContentionError extends Error {
  constructor() {
    super('export state kept changing under this writer');
    this.name = 'ExportContentionError';
  }
}

/** A staged part of a sealed buffer is gone (e.g. expired): the file cannot be written whole. */
export class StagedPartMissingError extends Error {
  constructor() {
    super('a staged part of the file is missing');
    this.name = 'StagedPartMissingError';
  }
}

/** When every stream consumer instance knows an exporter: a shard may go live only after this. */
export function knownEverywhereAt(exporter: Pick<BatchExporterRecord, 'createdAt'>): number {
  return Date.parse(exporter.createdAt) + KNOWN_EVERYWHERE_AFTER_MS;
}

/**
 * The export protocol of one exporter on one shard: staged parts, files and states, each step a
 * conditional write of the next state version (core/export-state.ts). Why every event lands exactly once:
 * a record's lines count only once the state whose `position` covers it is written; later attempts skip
 * what a position covers; a file's name and content follow from its sealed state alone, and it is written
 * with `If-None-Match: *` before the state forgets the buffer, so a repeated write finds it there.
 */
export class ShardExports {
  constructor(private readonly ports: ExportPorts) {}

  /**
   * The stream consumer's records of this exporter on one shard (in order). A failure of this exporter
   * hands the shard to the tick's backfill, which reads the records again, so one broken bucket never
   * stops the other exporters of the stream.
   */
  async consume(
    exporter: BatchExporterRecord,
    shardId: string,
    records: readonly ExportRecord[],
  ): Promise<void> {
    const last = records[records.length - 1]!.sequenceNumber;
    try {
      await this.consumeOrThrow(exporter, shardId, records, last);
    } catch (error) {
      this.ports.logger.warn('export handed to backfill', {
        exporterId: exporter.exporterId,
        shardId,
        errorName: errorName(error),
      });
      await this.handToBackfill(exporter, shardId, last);
    }
  }

  private async consumeOrThrow(
    exporter: BatchExporterRecord,
    shardId: string,
    records: readonly ExportRecord[],
    last: string,
  ): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const state = await this.stateFor(exporter, shardId);
      if (isBufferDue(state, this.ports.now())) {
        await this.flush(exporter, state);
        continue;
      }
      if (state.phase === 'backfill') {
        // The tick reads these records itself; it goes live only once its position reaches `last`.
        if (!isAfter(last, state.liveSeen)) return;
        if (await this.ports.states.put(withLiveSeen(state, last), state.version)) return;
        continue;
      }
      const fresh = records.filter((r) => isAfter(r.sequenceNumber, state.position));
      if (fresh.length === 0) return;
      const next = await this.append(exporter, state, fresh, last);
      if (!next) continue;
      if (isBufferDue(next, this.ports.now())) await this.flush(exporter, next);
      return;
    }
    throw new ExportContentionError();
  }

  /** Back to backfill from `last` on (the records up to it are read again unless a position covers them). */
  private async handToBackfill(exporter: BatchExporterRecord, shardId: string, last: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const state = await this.stateFor(exporter, shardId);
      const next = withLiveSeen({ ...state, phase: 'backfill' }, last);
      if (await this.ports.states.put(next, state.version)) return;
    }
    throw new ExportContentionError();
  }

  /**
   * Stages the lines of `records` (after the state's position) and moves the position to `position`;
   * undefined when another writer changed the state first (nothing committed: the caller reloads).
   */
  async append(
    exporter: BatchExporterRecord,
    state: ShardExportState,
    records: readonly ExportRecord[],
    position: string,
  ): Promise<ShardExportState | undefined> {
    const { states, objects, stagingBucket, now } = this.ports;
    const lines = records.length > 0 ? await exportLines(exporter, state, records, this.ports) : [];
    let next: ShardExportState;
    if (lines.length === 0) {
      next = withPosition(state, position);
    } else {
      const body = `${lines.join('\n')}\n`;
      const first = records[0]!.sequenceNumber;
      const key = stagedPartKey(
        exporter.exporterId,
        state.shardId,
        first,
        records[records.length - 1]!.sequenceNumber,
      );
      await objects.put(stagingBucket, key, body);
      next = withPart(state, { key, lines: lines.length, bytes: Buffer.byteLength(body) }, position, now());
    }
    return (await states.put(next, state.version)) ? next : undefined;
  }

  /** Seals the buffer, writes its file (once) and forgets the buffer; a lost race leaves it to the winner. */
  async flush(exporter: BatchExporterRecord, state: ShardExportState): Promise<void> {
    const { states, objects, stagingBucket, logger } = this.ports;
    if (!state.buffer) return;
    let current = state;
    if (!current.buffer!.sealed) {
      const next = sealed(current);
      if (!(await states.put(next, current.version))) return;
      current = next;
    }
    const buffer = current.buffer!;
    const bodies = await Promise.all(buffer.parts.map((part) => objects.get(stagingBucket, part.key)));
    if (bodies.some((body) => body === undefined)) throw new StagedPartMissingError();
    const key = exportFileKey(exporter, buffer.openedAt, current.shardId);
    const outcome = await objects.putIfAbsent(exporter.bucket, key, bodies.join(''));
    if (!(await states.put(afterFileWritten(current), current.version))) return;
    logger.info('export file written', {
      exporterId: exporter.exporterId,
      shardId: current.shardId,
      lines: buffer.lines,
      bytes: buffer.bytes,
      alreadyThere: outcome === 'exists',
    });
    await objects
      .delete(
        stagingBucket,
        buffer.parts.map((part) => part.key),
      )
      .catch((error: unknown) => logger.warn('staged parts not deleted', { errorName: errorName(error) }));
  }

  /**
   * The state of the exporter on the shard. A new exporter gets a backfill state on every shard of its
   * event stream, and so does a shard that appears later (resharding): backfill is always safe.
   */
  async stateFor(exporter: BatchExporterRecord, shardId: string): Promise<ShardExportState> {
    const stored = await this.ports.states.get(exporter.exporterId, shardId);
    if (stored) return stored;
    await this.initialize(exporter);
    const created = await this.ports.states.get(exporter.exporterId, shardId);
    if (!created) throw new Error(`shard ${shardId} has no export state after initialization`);
    return created;
  }

  /** A backfill state for every shard (idempotent: an existing state is kept); then the exporter is not new. */
  async initialize(exporter: BatchExporterRecord): Promise<void> {
    const { states, shards, exporters } = this.ports;
    for (const shardId of await shards.listShards(exporter.source)) {
      await states.put(initialShardState(this.fieldsOf(exporter, shardId)), undefined);
    }
    await exporters.markInitialized(exporter);
  }

  private fieldsOf(exporter: BatchExporterRecord, shardId: string) {
    return {
      exporterId: exporter.exporterId,
      accountId: exporter.accountId,
      exporterName: exporter.name,
      shardId,
      interval: exporter.interval,
    };
  }
}
