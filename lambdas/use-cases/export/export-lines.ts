import type { BatchExporterRecord } from '../../core/batch-exporter';
import { isAfter, type ShardExportState } from '../../core/export-state';
import { isJsonObject } from '../../core/field-path';
import type { ExportPorts, ExportRecord, KeyMarker } from './ports';

/**
 * The lines a batch of an exporter's records adds to its file. Events: each event exactly as a
 * subscriber of the stream receives it (the WebSocket frame). Key stream: each key link the first time
 * one of its events appears, as `{"keyLink","encryptionKey","createdAt","expiresAt"}` (the Tink JSON
 * keyset as a string, times in ms since the epoch).
 */

/** Key-link markers outlive the key links' use: events of a link may still be read (backfill) this long after. */
const KEY_MARKER_RETENTION_MS = 8 * 24 * 60 * 60 * 1000;

type LinePorts = Pick<ExportPorts, 'states' | 'keys' | 'now'>;

export async function exportLines(
  exporter: BatchExporterRecord,
  state: ShardExportState,
  records: readonly ExportRecord[],
  ports: LinePorts,
): Promise<string[]> {
  if (exporter.kind === 'events') return records.map((r) => JSON.stringify(r.envelope.event));
  return keyStreamLines(exporter, state, records, ports);
}

function keyLinkOf(record: ExportRecord): string | undefined {
  const meta = record.envelope.event.strmMeta;
  return isJsonObject(meta) && typeof meta.keyLink === 'string' ? meta.keyLink : undefined;
}

/**
 * A key link is exported once per key stream: a marker remembers where it was. A marker counts only once
 * its part is committed — written by another shard, or at or before this shard's position; a marker
 * beyond the position was left by an attempt that did not commit, so the key link is exported again.
 */
async function keyStreamLines(
  exporter: BatchExporterRecord,
  state: ShardExportState,
  records: readonly ExportRecord[],
  ports: LinePorts,
): Promise<string[]> {
  const firstSeen = new Map<string, string>();
  for (const record of records) {
    const keyLink = keyLinkOf(record);
    if (keyLink !== undefined && !firstSeen.has(keyLink)) firstSeen.set(keyLink, record.sequenceNumber);
  }
  if (firstSeen.size === 0) return [];
  const markers = await ports.states.getKeyMarkers(exporter.exporterId, [...firstSeen.keys()]);
  const committed = (marker: KeyMarker) =>
    marker.shardId !== state.shardId || !isAfter(marker.sequenceNumber, state.position);
  const todo = [...firstSeen].filter(([keyLink]) => {
    const marker = markers.get(keyLink);
    return marker === undefined || !committed(marker);
  });
  if (todo.length === 0) return [];
  const keys = await Promise.all(todo.map(([keyLink]) => ports.keys.exportKey(exporter.accountId, keyLink)));
  const latestExpiry = Math.max(ports.now(), ...keys.map((k) => k?.expiresAt ?? 0));
  await ports.states.putKeyMarkers(
    exporter.exporterId,
    todo.map(([keyLinkId, sequenceNumber]) => ({ keyLinkId, shardId: state.shardId, sequenceNumber })),
    latestExpiry + KEY_MARKER_RETENTION_MS,
  );
  return todo.flatMap(([keyLink], i) => {
    const key = keys[i];
    // Shredded before it could be exported: there is nothing to export, ever.
    if (!key) return [];
    return [
      JSON.stringify({
        keyLink,
        encryptionKey: key.keyset,
        createdAt: key.createdAt,
        expiresAt: key.expiresAt,
      }),
    ];
  });
}
