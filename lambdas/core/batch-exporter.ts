import { ValidationError } from './errors';
import { isJsonObject } from './field-path';
import { isValidStreamName, type StreamRecord } from './stream-definition';

/**
 * Batch exporters: a stream written to S3 as JSON Lines, one file per interval and shard; or, for a source
 * stream, its key stream (the keys of its key links). The record is the management API JSON and the
 * `exporters` table item; the rules for creating one live here.
 */

/** `events`: the stream's events as its subscribers see them; `keys`: the key links of a source stream. */
export type ExportKind = 'events' | 'keys';

export interface BatchExporterRecord {
  /** Unique per incarnation: an exporter deleted and created again under its name starts afresh. */
  exporterId: string;
  name: string;
  accountId: string;
  /** The exported stream (source or derived). */
  stream: string;
  /** Which internal event stream carries the exported stream's events. */
  source: 'sourceEvents' | 'derivedEvents';
  kind: ExportKind;
  /** Seconds from a file's first event until the file is written (30–3600). */
  interval: number;
  /** '' or a path without leading or trailing '/'; files land under `<accountId>/<pathPrefix>/`. */
  pathPrefix: string;
  /** Start with the oldest events the internal stream still holds, instead of those from creation on. */
  includeExistingEvents: boolean;
  bucket: string;
  /** The exported stream's createdAt (ISO): events of an earlier stream of that name are never exported. */
  streamCreatedAt: string;
  /** ISO 8601. */
  createdAt: string;
}

/** What the creator chose; the server adds ids and times. */
export type BatchExporterDefinition = Pick<
  BatchExporterRecord,
  'name' | 'stream' | 'kind' | 'interval' | 'pathPrefix' | 'includeExistingEvents' | 'bucket'
>;

export const DEFAULT_INTERVAL_SECONDS = 60;
/** The interval a user may choose at least (tests of the local stack may lower it explicitly). */
export const MIN_INTERVAL_SECONDS = 30;
export const MAX_INTERVAL_SECONDS = 3600;
export const MAX_PATH_PREFIX = 900;
/** Exporters of one stream at most: each one is work for every batch of the stream's events. */
export const MAX_EXPORTERS_PER_STREAM = 10;
// S3's "safe characters" for keys, plus '=' for Hive-style partitions such as year=2025.
const PREFIX_SEGMENT = /^[A-Za-z0-9!_.*'()=-]+$/;

/** The buckets an exporter may write to: the stack's exports bucket, and those the deployer granted. */
export interface ExportBuckets {
  readonly default: string;
  readonly granted: readonly string[];
}

/** The default name: `<stream>-export`, or `<stream>-keys` for a key stream. */
export function defaultExporterName(stream: string, kind: ExportKind): string {
  return `${stream}-${kind === 'keys' ? 'keys' : 'export'}`;
}

/** The `stream` of a create request, so that the caller can load it before validating. */
export function requestedExportStream(body: unknown): string | undefined {
  return isJsonObject(body) && typeof body.stream === 'string' ? body.stream : undefined;
}

function parseKind(input: unknown, stream: StreamRecord): ExportKind {
  if (input === undefined || input === null || input === 'events') return 'events';
  if (input !== 'keys') throw new ValidationError("kind must be 'events' or 'keys'");
  if (stream.linkedStream !== undefined) {
    throw new ValidationError(
      `kind 'keys' needs a source stream: ${stream.name} is derived, its key links belong to ${stream.linkedStream}`,
    );
  }
  return 'keys';
}

function parseName(input: unknown, stream: string, kind: ExportKind): string {
  const name =
    input === undefined || input === null || input === '' ? defaultExporterName(stream, kind) : input;
  if (!isValidStreamName(name)) {
    throw new ValidationError(
      "name must be 3–100 characters of letters, digits, '.', '_' or '-', starting with a letter or digit",
    );
  }
  return name;
}

function parseInterval(input: unknown, minimum: number): number {
  if (input === undefined || input === null) return Math.max(DEFAULT_INTERVAL_SECONDS, minimum);
  if (
    typeof input !== 'number' ||
    !Number.isInteger(input) ||
    input < minimum ||
    input > MAX_INTERVAL_SECONDS
  ) {
    throw new ValidationError(
      `interval must be an integer number of seconds from ${minimum} to ${MAX_INTERVAL_SECONDS}`,
    );
  }
  return input;
}

/** '' or `a/b/c`: no leading or trailing '/', no empty, '.' or '..' segment, S3-safe characters only. */
export function parsePathPrefix(input: unknown): string {
  if (input === undefined || input === null || input === '') return '';
  if (typeof input !== 'string' || input.length > MAX_PATH_PREFIX) {
    throw new ValidationError(`pathPrefix must be a string of at most ${MAX_PATH_PREFIX} characters`);
  }
  if (input.endsWith('/')) throw new ValidationError("pathPrefix must not end with '/'");
  if (input.startsWith('/')) throw new ValidationError("pathPrefix must not start with '/'");
  for (const segment of input.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new ValidationError("pathPrefix must not contain empty, '.' or '..' segments");
    }
    if (!PREFIX_SEGMENT.test(segment)) {
      throw new ValidationError("pathPrefix may contain only letters, digits, '/' and !_.*'()=-");
    }
  }
  return input;
}

function parseBucket(input: unknown, buckets: ExportBuckets): string {
  if (input === undefined || input === null || input === '') return buckets.default;
  if (typeof input !== 'string') throw new ValidationError('bucket must be a string');
  if (input !== buckets.default && !buckets.granted.includes(input)) {
    throw new ValidationError(
      `bucket ${input} is not an export bucket of this deployment (the deployer grants buckets with the CDK context exportBuckets)`,
    );
  }
  return input;
}

function parseFlag(input: unknown, field: string): boolean {
  if (input === undefined || input === null) return false;
  if (typeof input !== 'boolean') throw new ValidationError(`${field} must be true or false`);
  return input;
}

/**
 * Validates a `POST /v1/batch-exporters` body for `stream` (the caller's own stream, already loaded).
 * `minimumInterval` is MIN_INTERVAL_SECONDS except where a test deliberately lowers it.
 */
export function parseBatchExporterDefinition(
  body: unknown,
  context: { stream: StreamRecord; buckets: ExportBuckets; minimumInterval?: number },
): BatchExporterDefinition {
  if (!isJsonObject(body)) throw new ValidationError('request body must be a JSON object');
  const { stream } = context;
  const kind = parseKind(body.kind, stream);
  return {
    name: parseName(body.name, stream.name, kind),
    stream: stream.name,
    kind,
    interval: parseInterval(body.interval, context.minimumInterval ?? MIN_INTERVAL_SECONDS),
    pathPrefix: parsePathPrefix(body.pathPrefix),
    includeExistingEvents: parseFlag(body.includeExistingEvents, 'includeExistingEvents'),
    bucket: parseBucket(body.bucket, context.buckets),
  };
}

/** Whether two exporters would write the same file names (same bucket, prefix, stream and kind). */
export function sharesExportTarget(a: BatchExporterDefinition, b: BatchExporterDefinition): boolean {
  return a.bucket === b.bucket && a.pathPrefix === b.pathPrefix && a.stream === b.stream && a.kind === b.kind;
}

/** The first arrival time (ms) an exporter exports: its stream's creation, and with `latest` its own. */
export function exportStartMs(
  exporter: Pick<BatchExporterRecord, 'streamCreatedAt' | 'createdAt' | 'includeExistingEvents'>,
): number {
  const streamStart = Date.parse(exporter.streamCreatedAt);
  return exporter.includeExistingEvents ? streamStart : Math.max(streamStart, Date.parse(exporter.createdAt));
}
