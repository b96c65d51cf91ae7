import { type BatchExporterRecord, exportStartMs } from '../../core/batch-exporter';
import { errorName } from '../../core/errors';
import { decodeEnvelope, type EventEnvelope, envelopeStreamOf } from '../../core/event-envelope';
import { isOfIncarnation } from '../../core/stream-incarnation';
import type { EventSource, ExportPorts, ExportRecord, ShardRecord } from './ports';
import type { ShardExports } from './shard-exports';

/** What one batch of the stream consumer did. */
export interface ExportBatchReport {
  records: number;
  /** Records that are no envelope (looked at only while some stream has an exporter). */
  undecodable: number;
  /** Exporters that got records of this batch. */
  exporters: number;
}

/**
 * The records an exporter exports: of its account and stream, of the incarnation of the stream it was
 * created for, and (unless it includes existing events) arrived at or after its own creation.
 */
export function recordsFor(exporter: BatchExporterRecord, records: readonly ExportRecord[]): ExportRecord[] {
  const legacyStart = exportStartMs(exporter);
  const ownStart = exporter.includeExistingEvents ? Number.NEGATIVE_INFINITY : Date.parse(exporter.createdAt);
  return records.filter(
    (r) =>
      r.envelope.accountId === exporter.accountId &&
      r.envelope.stream === exporter.stream &&
      isOfIncarnation(r.envelope, exporter.streamCreatedAt) &&
      r.arrivalMs >= (isRecorded(r.envelope) ? ownStart : legacyStart),
  );
}

/**
 * Whether an envelope names its incarnation. One written before that cannot tell an earlier stream of the
 * same name apart: only arrival after the stream's creation (exportStartMs) does, less exactly.
 */
function isRecorded(envelope: EventEnvelope): boolean {
  return envelope.streamCreatedAt !== undefined;
}

/** Decodes records; the ones that are no envelope are counted and skipped (no exporter could want them). */
export function decodeShardRecords(records: readonly ShardRecord[]): {
  decoded: ExportRecord[];
  undecodable: number;
} {
  const decoded: ExportRecord[] = [];
  let undecodable = 0;
  for (const record of records) {
    try {
      decoded.push({
        sequenceNumber: record.sequenceNumber,
        arrivalMs: record.arrivalMs,
        envelope: decodeEnvelope(record.data),
      });
    } catch {
      undecodable++;
    }
  }
  return { decoded, undecodable };
}

/**
 * "Export a batch" of the stream consumer (one shard of one internal event stream, in order): each
 * exporter of each stream in the batch gets its records. Exporters are independent: one whose export fails
 * is handed to backfill (ShardExports.consume); only a failure to record even that fails the batch.
 */
export async function exportBatch(
  source: EventSource,
  shardId: string,
  records: readonly ShardRecord[],
  ports: Pick<ExportPorts, 'exporters' | 'logger'> & { shardExports: ShardExports },
): Promise<ExportBatchReport> {
  const { wanted, unreadable } = await recordsOfExportedStreams(records, ports);
  const { decoded, undecodable } = decodeShardRecords(wanted);
  const streams = new Map<string, { accountId: string; stream: string }>();
  for (const { envelope } of decoded) {
    streams.set(streamKey(envelope), { accountId: envelope.accountId, stream: envelope.stream });
  }
  let exporters = 0;
  const failures: unknown[] = [];
  for (const { accountId, stream } of streams.values()) {
    const ofStream = (await ports.exporters.listByStream(accountId, stream)).filter(
      (e) => e.source === source,
    );
    await Promise.all(
      ofStream.map(async (exporter) => {
        const mine = recordsFor(exporter, decoded);
        if (mine.length === 0) return;
        exporters++;
        await ports.shardExports
          .consume(exporter, shardId, mine)
          .catch((error: unknown) => failures.push(error));
      }),
    );
  }
  if (failures.length > 0) {
    ports.logger.error('export batch failed', {
      failures: failures.length,
      errorName: errorName(failures[0]),
    });
    throw failures[0];
  }
  return { records: records.length, undecodable: unreadable + undecodable, exporters };
}

/**
 * The records of streams that have an exporter, told by the head of each record (its event is not
 * parsed): most streams have none, and their records are most of a batch. Records that are no envelope
 * are counted.
 */
async function recordsOfExportedStreams(
  records: readonly ShardRecord[],
  ports: Pick<ExportPorts, 'exporters'>,
): Promise<{ wanted: ShardRecord[]; unreadable: number }> {
  const exported = await ports.exporters.listExportedStreams();
  if (exported.length === 0) return { wanted: [], unreadable: 0 };
  const keys = new Set(exported.map(streamKey));
  const wanted: ShardRecord[] = [];
  let unreadable = 0;
  for (const record of records) {
    const stream = envelopeStreamOf(record.data);
    if (!stream) unreadable++;
    else if (keys.has(streamKey(stream))) wanted.push(record);
  }
  return { wanted, unreadable };
}

function streamKey({ accountId, stream }: { accountId: string; stream: string }): string {
  return `${accountId}\u0000${stream}`;
}
