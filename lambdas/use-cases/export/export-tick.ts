import { type BatchExporterRecord, exportStartMs } from '../../core/batch-exporter';
import { errorName } from '../../core/errors';
import {
  canGoLive,
  isBufferDue,
  type ShardExportState,
  wentLive,
  withPosition,
} from '../../core/export-state';
import { runWithConcurrency } from '../run-with-concurrency';
import { decodeShardRecords, recordsFor } from './export-batch';
import type { DueItem, ExportPorts } from './ports';
import { knownEverywhereAt, type ShardExports } from './shard-exports';

/** Records read per GetRecords call of a backfill. */
export const BACKFILL_READ_LIMIT = 1_000;
/** Due items looked at per tick. */
const DUE_ITEMS_PER_TICK = 500;
const TICK_CONCURRENCY = 4;

export interface ExportTickReport {
  due: number;
  initialized: number;
  filesChecked: number;
  backfills: number;
  removed: number;
  failed: number;
}

type TickPorts = ExportPorts & { shardExports: ShardExports };

/**
 * "Export tick", run on a schedule: initializes new exporters (their stream may be quiet), writes the
 * files whose interval is over on shards where no event arrived to trigger it, runs backfills (reading the
 * shard directly) until they catch up and hand over to the stream consumer, and removes the states of
 * deleted exporters with their staged parts. Stops starting work at `deadlineMs`.
 */
export async function exportTick(ports: TickPorts, deadlineMs: number): Promise<ExportTickReport> {
  const report: ExportTickReport = {
    due: 0,
    initialized: 0,
    filesChecked: 0,
    backfills: 0,
    removed: 0,
    failed: 0,
  };
  for (const exporter of await ports.exporters.listNew(DUE_ITEMS_PER_TICK)) {
    try {
      await ports.shardExports.initialize(exporter);
      report.initialized++;
    } catch (error) {
      report.failed++;
      ports.logger.error('export initialization failed', {
        exporterId: exporter.exporterId,
        errorName: errorName(error),
      });
    }
  }
  const due = await ports.states.listDue(ports.now(), DUE_ITEMS_PER_TICK);
  report.due = due.length;
  await runWithConcurrency(due, TICK_CONCURRENCY, async (item) => {
    if (ports.now() >= deadlineMs) return;
    try {
      await tickItem(item, ports, deadlineMs, report);
    } catch (error) {
      report.failed++;
      ports.logger.error('export tick item failed', {
        exporterId: item.exporterId,
        errorName: errorName(error),
      });
    }
  });
  if (report.due + report.initialized > 0) ports.logger.info('export tick', { ...report });
  return report;
}

async function tickItem(
  item: DueItem,
  ports: TickPorts,
  deadlineMs: number,
  report: ExportTickReport,
): Promise<void> {
  const exporter = await ports.exporters.get(item.accountId, item.exporterName);
  if (!exporter || exporter.exporterId !== item.exporterId) {
    await removeExporterState(item.exporterId, ports);
    report.removed++;
    return;
  }
  const state = await ports.states.get(item.exporterId, item.shardId);
  if (!state) return;
  if (isBufferDue(state, ports.now())) {
    report.filesChecked++;
    await ports.shardExports.flush(exporter, state);
  }
  if (state.phase === 'backfill') {
    report.backfills++;
    await backfill(exporter, item.shardId, ports, deadlineMs);
  }
}

/** A deleted exporter's leftovers: its states, their staged parts (its unwritten files), its key markers. */
async function removeExporterState(exporterId: string, ports: ExportPorts): Promise<void> {
  for (const state of await ports.states.listOfExporter(exporterId)) {
    const parts = state.buffer?.parts.map((p) => p.key) ?? [];
    if (parts.length > 0) await ports.objects.delete(ports.stagingBucket, parts);
    await ports.states.delete(exporterId, state.shardId);
  }
  await ports.states.deleteKeyMarkers(exporterId);
}

/**
 * Reads the shard from the state's position (else from the exporter's start) and exports what it finds,
 * until the shard has nothing newer; then goes live, once every consumer knows the exporter and the
 * position has reached what the consumer left to the backfill (`liveSeen`). Resumes on the next tick.
 */
export async function backfill(
  exporter: BatchExporterRecord,
  shardId: string,
  ports: TickPorts,
  deadlineMs: number,
): Promise<void> {
  const { states, shards, shardExports, now } = ports;
  let state = await states.get(exporter.exporterId, shardId);
  let iterator: string | undefined;
  while (state && state.phase === 'backfill' && now() < deadlineMs) {
    if (isBufferDue(state, now())) {
      await shardExports.flush(exporter, state);
      state = await states.get(exporter.exporterId, shardId);
      continue;
    }
    iterator ??= await shards.open(exporter.source, shardId, startOf(exporter, state, now()));
    if (!iterator) return;
    // Only a read that began once every consumer knew the exporter may end the backfill.
    const readAt = now();
    const read = await shards.read(iterator, BACKFILL_READ_LIMIT);
    const next = await exportRead(exporter, state, read.records, ports);
    if (!next) {
      // Another writer changed the state: start again from its position.
      state = await states.get(exporter.exporterId, shardId);
      iterator = undefined;
      continue;
    }
    state = next;
    iterator = read.next;
    if (read.caughtUp || !iterator) {
      if (readAt < knownEverywhereAt(exporter) || !canGoLive(state)) return;
      if (await states.put(wentLive(state), state.version)) return;
      state = await states.get(exporter.exporterId, shardId);
      iterator = undefined;
    }
  }
}

/** Where a backfill reads from: after its position; else all retained events, or those from the start on. */
function startOf(exporter: BatchExporterRecord, state: ShardExportState, nowMs: number) {
  if (state.position !== undefined) return { after: state.position };
  if (exporter.includeExistingEvents) return { oldest: true as const };
  return { atMs: Math.min(exportStartMs(exporter), nowMs) };
}

/** Stages the exporter's records of one read and moves the position past everything read. */
async function exportRead(
  exporter: BatchExporterRecord,
  state: ShardExportState,
  records: Parameters<typeof decodeShardRecords>[0],
  ports: TickPorts,
): Promise<ShardExportState | undefined> {
  if (records.length === 0) return state;
  const position = records[records.length - 1]!.sequenceNumber;
  const mine = recordsFor(exporter, decodeShardRecords(records).decoded);
  if (mine.length > 0) return ports.shardExports.append(exporter, state, mine, position);
  const next = withPosition(state, position);
  return (await ports.states.put(next, state.version)) ? next : undefined;
}
