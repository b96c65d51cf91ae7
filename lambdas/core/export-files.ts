import type { BatchExporterRecord, ExportKind } from './batch-exporter';

/**
 * Where exported files and their staged parts live in S3. Every name is a function of stored state only
 * (the file's opening time, the stream, the shard; a part's first and last sequence number), so a retry
 * writes the same key again and never a second copy.
 */

type Target = Pick<BatchExporterRecord, 'accountId' | 'pathPrefix'>;

/** The folder of an exporter's files: `<accountId>/` then its path prefix: tenants never share a folder. */
export function exportFolder(exporter: Target): string {
  return exporter.pathPrefix === ''
    ? `${exporter.accountId}/`
    : `${exporter.accountId}/${exporter.pathPrefix}/`;
}

/** `2025-01-01T12:00:00` (UTC, seconds), as the original names its files. */
export function utcSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/**
 * `<UTC yyyy-MM-ddTHH:mm:ss>-stream-<stream>---<shard>.jsonl` (events) or `…-keys-<stream>---<shard>.jsonl`
 * (key stream), as the original names them but with the stream's name instead of an internal id.
 */
export function exportFileName(file: {
  openedAt: number;
  stream: string;
  kind: ExportKind;
  shardId: string;
}): string {
  const what = file.kind === 'keys' ? 'keys' : 'stream';
  return `${utcSeconds(file.openedAt)}-${what}-${file.stream}---${file.shardId}.jsonl`;
}

const FILE_NAME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)-(stream|keys)-(.+)---([A-Za-z0-9_.-]+)\.jsonl$/;

/** Whether a file name is one this exporter writes (its kind, its stream). */
export function isFileOf(name: string, exporter: Pick<BatchExporterRecord, 'stream' | 'kind'>): boolean {
  const match = FILE_NAME.exec(name);
  if (!match) return false;
  const [, , what, stream, shardId] = match;
  return (
    what === (exporter.kind === 'keys' ? 'keys' : 'stream') &&
    stream === exporter.stream &&
    !shardId!.includes('---')
  );
}

/** The full key of an exported file. */
export function exportFileKey(
  exporter: Pick<BatchExporterRecord, 'accountId' | 'pathPrefix' | 'stream' | 'kind'>,
  openedAt: number,
  shardId: string,
): string {
  return `${exportFolder(exporter)}${exportFileName({ openedAt, stream: exporter.stream, kind: exporter.kind, shardId })}`;
}

/** Parts waiting for their file, in the stack's exports bucket; a lifecycle rule expires orphans. */
export const STAGING_PREFIX = 'staging/';

/** The staged part holding one exporter's lines of a sequence range of one shard. */
export function stagedPartKey(
  exporterId: string,
  shardId: string,
  firstSequence: string,
  lastSequence: string,
): string {
  return `${STAGING_PREFIX}${exporterId}/${shardId}/${firstSequence}-${lastSequence}.jsonl`;
}
