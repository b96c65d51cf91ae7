import type { BatchExporter, ExportFile } from './api-client';
import { formatKeyValues, formatTable } from './output';

/** Printed on stderr when a key stream is created or its files are fetched. */
export const KEY_STREAM_NOTE =
  'Note: a key stream exports the keys of your key links to files. Deleting a key link (crypto-shredding) ' +
  'cannot reach keys already exported: delete those files too, or their events stay decryptable.\n';

/** `strm list batch-exporters` and the exporters of `strm get stream`. */
export function formatBatchExporterList(exporters: readonly BatchExporter[]): string {
  if (exporters.length === 0)
    return 'No batch exporters. Create one with: strm create batch-exporter <stream>\n';
  return formatTable(
    ['NAME', 'STREAM', 'KIND', 'INTERVAL', 'BUCKET', 'PATH PREFIX'],
    exporters.map((e) => [e.name, e.stream, e.kind, `${e.interval}s`, e.bucket, e.pathPrefix]),
  );
}

/** `strm get|create batch-exporter`: the exporter as key/value lines. */
export function formatBatchExporter(exporter: BatchExporter): string {
  const folder = `${exporter.accountId ?? '<account>'}/${exporter.pathPrefix === '' ? '' : `${exporter.pathPrefix}/`}`;
  return formatKeyValues([
    ['name', exporter.name],
    ['stream', exporter.stream],
    ['kind', exporter.kind === 'keys' ? 'keys (key stream)' : 'events'],
    ['interval', `${exporter.interval}s`],
    ['include existing events', String(exporter.includeExistingEvents)],
    ['files', `s3://${exporter.bucket}/${folder}`],
    ...(exporter.createdAt ? [['created at', exporter.createdAt] as [string, string]] : []),
  ]);
}

/** `strm get batch-export-files`: one row per file. */
export function formatExportFiles(files: readonly ExportFile[]): string {
  if (files.length === 0)
    return 'No files yet: a file is written once its interval is over (none for an interval without events).\n';
  return formatTable(
    ['FILE', 'SIZE', 'LAST MODIFIED'],
    files.map((f) => [f.name, String(f.size), f.lastModified]),
  );
}

/** The exporters part of `strm get stream` (nothing when the stream has none). */
export function formatStreamExporters(exporters: readonly BatchExporter[] | undefined): string {
  return exporters && exporters.length > 0 ? `\nBatch exporters:\n${formatBatchExporterList(exporters)}` : '';
}
