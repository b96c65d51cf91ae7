import type { Logger } from '@aws-lambda-powertools/logger';
import type { BatchExporterRecord } from '../../core/batch-exporter';
import type { EventEnvelope } from '../../core/event-envelope';
import type { ShardExportState } from '../../core/export-state';

/**
 * What the export use cases need from the outside world: interfaces the AWS adapters (and the in-memory
 * fakes of the tests) satisfy.
 */

/** Which internal event stream: the one of source events or the one of derived events. */
export type EventSource = BatchExporterRecord['source'];

/** One record of an internal event stream, as read from its shard. */
export interface ShardRecord {
  sequenceNumber: string;
  /** ms since the epoch (Kinesis ApproximateArrivalTimestamp). */
  arrivalMs: number;
  data: Uint8Array;
}

/** A record of one exporter's stream, decoded. */
export interface ExportRecord {
  sequenceNumber: string;
  arrivalMs: number;
  envelope: EventEnvelope;
}

/** The exporter definitions. */
export interface ExporterDirectory {
  /** The exporters of one stream of an account. */
  listByStream(accountId: string, stream: string): Promise<BatchExporterRecord[]>;
  /** Every stream that has an exporter (each once or more). */
  listExportedStreams(): Promise<{ accountId: string; stream: string }[]>;
  get(accountId: string, name: string): Promise<BatchExporterRecord | undefined>;
  /** Exporters created but without shard states yet (the tick initializes them), at most `limit`. */
  listNew(limit: number): Promise<BatchExporterRecord[]>;
  /** The exporter has its shard states: it is no longer new. */
  markInitialized(exporter: BatchExporterRecord): Promise<void>;
}

/** One key link of a key stream, exported by one shard's records at one sequence number. */
export interface KeyMarker {
  keyLinkId: string;
  shardId: string;
  sequenceNumber: string;
}

/** A shard state the scheduled tick must look at. */
export interface DueItem {
  exporterId: string;
  accountId: string;
  exporterName: string;
  shardId: string;
}

/** Export states (one per exporter and shard), written with optimistic locking. */
export interface ExportStateStore {
  get(exporterId: string, shardId: string): Promise<ShardExportState | undefined>;
  /** Writes `state` if the stored version is `expectedVersion` (undefined: none stored); false if another writer won. */
  put(state: ShardExportState, expectedVersion: number | undefined): Promise<boolean>;
  listOfExporter(exporterId: string): Promise<ShardExportState[]>;
  delete(exporterId: string, shardId: string): Promise<void>;
  /** States the tick must look at by `nowMs` (core/export-state.ts dueAtOf), most overdue first, at most `limit`. */
  listDue(nowMs: number, limit: number): Promise<DueItem[]>;
  getKeyMarkers(exporterId: string, keyLinkIds: readonly string[]): Promise<Map<string, KeyMarker>>;
  /** `expiresAtMs`: when a marker may be forgotten (no event of its key link can arrive any more). */
  putKeyMarkers(exporterId: string, markers: readonly KeyMarker[], expiresAtMs: number): Promise<void>;
  deleteKeyMarkers(exporterId: string): Promise<void>;
}

/** The objects of the export buckets. */
export interface ExportObjects {
  put(bucket: string, key: string, body: string): Promise<void>;
  /** Writes only when no object has the key (S3 `If-None-Match: *`); `exists` when one has. */
  putIfAbsent(bucket: string, key: string, body: string): Promise<'written' | 'exists'>;
  /** undefined when there is no such object. */
  get(bucket: string, key: string): Promise<string | undefined>;
  delete(bucket: string, keys: readonly string[]): Promise<void>;
}

/** Reads a shard of an internal event stream directly (backfill); the stream consumer gets its records pushed. */
export interface ShardReader {
  listShards(source: EventSource): Promise<string[]>;
  /** An iterator after `after`, else from the oldest record, else from the first record at `atMs` or later. */
  open(
    source: EventSource,
    shardId: string,
    from: { after: string } | { oldest: true } | { atMs: number },
  ): Promise<string | undefined>;
  /** `next` is absent at the end of a closed shard; `caughtUp` when nothing newer is in the shard now. */
  read(
    iterator: string,
    limit: number,
  ): Promise<{ records: ShardRecord[]; next?: string; caughtUp: boolean }>;
}

/** The keys of key links, for key streams. */
export interface KeyLinkKeys {
  /** The key link as a Tink JSON keyset, or undefined when it is gone (shredded) or of another account. */
  exportKey(
    accountId: string,
    keyLinkId: string,
  ): Promise<{ keyset: string; createdAt: number; expiresAt: number } | undefined>;
}

export type ExportLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** Everything the export use cases use. */
export interface ExportPorts {
  exporters: ExporterDirectory;
  states: ExportStateStore;
  objects: ExportObjects;
  shards: ShardReader;
  keys: KeyLinkKeys;
  /** The stack's exports bucket: staged parts live there whatever an exporter's target bucket is. */
  stagingBucket: string;
  now: () => number;
  logger: ExportLogger;
}
