import { randomUUID } from 'node:crypto';
import {
  type BatchExporterRecord,
  MAX_EXPORTERS_PER_STREAM,
  parseBatchExporterDefinition,
  requestedExportStream,
  sharesExportTarget,
} from '../../core/batch-exporter';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors';
import { exportFolder, isFileOf } from '../../core/export-files';
import { isValidStreamName } from '../../core/stream-definition';
import { ownStream } from './owned-stream';
import type { ManagementPorts } from './ports';

type ExporterPorts = Pick<ManagementPorts, 'streams' | 'exporters' | 'exportSetup' | 'now' | 'audit'>;

/**
 * `POST /v1/batch-exporters`: an exporter of one of the caller's streams (404 for any other), validated
 * (core/batch-exporter.ts), unique by name in the account (409) and by what it writes (409: two exporters
 * writing the same file names would each take the other's files for their own).
 */
export async function createBatchExporter(
  ports: ExporterPorts,
  accountId: string,
  body: unknown,
): Promise<BatchExporterRecord> {
  const streamName = requestedExportStream(body);
  if (streamName === undefined) throw new ValidationError('stream must name one of your streams');
  const stream = await ownStream(ports.streams, accountId, streamName);
  const definition = parseBatchExporterDefinition(body, {
    stream,
    buckets: ports.exportSetup.buckets,
    minimumInterval: ports.exportSetup.minimumInterval,
  });
  const siblings = await ports.exporters.listByStream(accountId, stream.name);
  const clash = siblings.find((other) => sharesExportTarget(other, definition));
  if (clash) {
    throw new ConflictError(
      `batch exporter ${clash.name} already writes these files (same bucket, pathPrefix, stream and kind)`,
      'export_target_taken',
    );
  }
  if (siblings.length >= MAX_EXPORTERS_PER_STREAM) {
    throw new ConflictError(
      `stream ${stream.name} has ${MAX_EXPORTERS_PER_STREAM} batch exporters already`,
      'too_many_exporters',
    );
  }
  const record: BatchExporterRecord = {
    ...definition,
    exporterId: randomUUID(),
    accountId,
    source: stream.linkedStream === undefined ? 'sourceEvents' : 'derivedEvents',
    streamCreatedAt: stream.createdAt,
    createdAt: new Date(ports.now()).toISOString(),
  };
  await ports.exporters.create(record);
  ports.audit.info('batch exporter created', { accountId, exporterId: record.exporterId, kind: record.kind });
  return record;
}

export async function listBatchExporters(
  ports: Pick<ExporterPorts, 'exporters'>,
  accountId: string,
): Promise<BatchExporterRecord[]> {
  return ports.exporters.listByAccount(accountId);
}

/** One exporter of the caller's account; another account's, or none, is the same 404. */
export async function getBatchExporter(
  ports: Pick<ExporterPorts, 'exporters'>,
  accountId: string,
  name: string,
): Promise<BatchExporterRecord> {
  const exporter = isValidStreamName(name) ? await ports.exporters.get(accountId, name) : undefined;
  if (!exporter) throw new NotFoundError(`batch exporter ${name} not found`);
  return exporter;
}

/** `DELETE /v1/batch-exporters/{name}`: files already written stay; its unwritten events are dropped. */
export async function deleteBatchExporter(
  ports: Pick<ExporterPorts, 'exporters' | 'audit'>,
  accountId: string,
  name: string,
): Promise<void> {
  const exporter = await getBatchExporter(ports, accountId, name);
  await ports.exporters.delete(accountId, exporter.name);
  ports.audit.info('batch exporter deleted', { accountId, exporterId: exporter.exporterId });
}

/** The exporters of a stream tree (a stream and its derived streams), to refuse or cascade a stream deletion. */
export async function exportersOfStreams(
  ports: Pick<ExporterPorts, 'exporters'>,
  accountId: string,
  streamNames: readonly string[],
): Promise<BatchExporterRecord[]> {
  const lists = await Promise.all(streamNames.map((name) => ports.exporters.listByStream(accountId, name)));
  return lists.flat();
}

export interface ExportFile {
  /** The file name (UTC time, stream, shard). */
  name: string;
  bucket: string;
  key: string;
  size: number;
  /** ISO 8601. */
  lastModified: string;
}

/** `GET /v1/batch-exporters/{name}/files`: the exporter's files, oldest name first, a page at a time. */
export async function listExportFiles(
  ports: Pick<ManagementPorts, 'exporters' | 'exportFiles'>,
  accountId: string,
  name: string,
  query: { after?: string },
): Promise<{ files: ExportFile[]; next?: string }> {
  const exporter = await getBatchExporter(ports, accountId, name);
  const folder = exportFolder(exporter);
  const after = query.after === undefined ? undefined : `${folder}${checkFileName(query.after)}`;
  const page = await ports.exportFiles.list(exporter.bucket, folder, after);
  const files = page.objects
    .map((object) => ({ ...object, name: object.key.slice(folder.length) }))
    .filter((object) => isFileOf(object.name, exporter))
    .map((object) => ({
      name: object.name,
      bucket: exporter.bucket,
      key: object.key,
      size: object.size,
      lastModified: object.lastModified,
    }));
  const lastKey = page.objects[page.objects.length - 1]?.key;
  return page.truncated && lastKey !== undefined ? { files, next: lastKey.slice(folder.length) } : { files };
}

/** `GET /v1/batch-exporters/{name}/files/{file}`: a short-lived download URL for one file of the exporter. */
export async function exportFileDownload(
  ports: Pick<ManagementPorts, 'exporters' | 'exportFiles' | 'audit'>,
  accountId: string,
  name: string,
  fileName: string,
): Promise<{ name: string; size: number; url: string; expiresAt: string }> {
  const exporter = await getBatchExporter(ports, accountId, name);
  if (!isFileOf(checkFileName(fileName), exporter)) throw new NotFoundError(`file ${fileName} not found`);
  const key = `${exportFolder(exporter)}${fileName}`;
  const size = await ports.exportFiles.sizeOf(exporter.bucket, key);
  if (size === undefined) throw new NotFoundError(`file ${fileName} not found`);
  const download = await ports.exportFiles.downloadUrl(exporter.bucket, key);
  ports.audit.info('export file downloaded', {
    accountId,
    exporterId: exporter.exporterId,
    kind: exporter.kind,
  });
  return { name: fileName, size, ...download };
}

/** A file name: no path (a name with '/' could reach outside the exporter's folder). */
function checkFileName(fileName: string): string {
  if (fileName === '' || fileName.includes('/') || fileName.length > 300) {
    throw new ValidationError('a file name has no "/" and at most 300 characters');
  }
  return fileName;
}
