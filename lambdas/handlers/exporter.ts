import { Logger } from '@aws-lambda-powertools/logger';
import type {
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
  ScheduledEvent,
} from 'aws-lambda';
import { dynamoDocumentClient, kinesisClient, s3Client } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { S3ExportObjects } from '../aws/export-objects';
import { ExportStateRepo } from '../aws/export-state-repo';
import { ExportersRepo } from '../aws/exporters-repo';
import { keyLinkStorageFromEnv } from '../aws/key-link-storage';
import { KinesisShardReader } from '../aws/kinesis-shard-reader';
import { lambdaEntryPoint } from '../runtime/entry-point';
import { receivedKinesisRecord } from '../runtime/kinesis-record';
import { CachedExporterDirectory } from '../use-cases/export/cached-exporters';
import { type ExportBatchReport, exportBatch } from '../use-cases/export/export-batch';
import { type ExportTickReport, exportTick } from '../use-cases/export/export-tick';
import { StoredKeyLinkKeys } from '../use-cases/export/key-link-keys';
import type { EventSource, ExportLogger, ExportPorts } from '../use-cases/export/ports';
import { ShardExports } from '../use-cases/export/shard-exports';

/** A tick stops starting work this long after it began (the function's timeout is 60 s, the schedule 1 min). */
export const TICK_BUDGET_MS = 40_000;

export interface ExporterDeps extends Omit<ExportPorts, 'logger' | 'now'> {
  /** The internal event streams' names, to tell which one a batch comes from. */
  streamNames: Readonly<Record<EventSource, string>>;
  now?: () => number;
  logger?: ExportLogger;
}

export type ExporterEvent = KinesisStreamEvent | ScheduledEvent;
export type ExporterHandler = (event: ExporterEvent) => Promise<ExportBatchReport | ExportTickReport>;

/**
 * Batch exporters. As the consumer of both internal event streams (event-source mappings): each batch's
 * records to the exporters of their streams (use-cases/export/export-batch.ts). On its schedule: the
 * export tick (use-cases/export/export-tick.ts) writes files that are due, initializes new exporters,
 * runs backfills and removes deleted exporters' state. A failed batch throws, so it is retried whole.
 */
export function createExporterHandler(deps: ExporterDeps): ExporterHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'exporter' });
  const now = deps.now ?? Date.now;
  const ports: ExportPorts = { ...deps, logger, now };
  const shardExports = new ShardExports(ports);
  return async (event) => {
    if (!('Records' in event)) return exportTick({ ...ports, shardExports }, now() + TICK_BUDGET_MS);
    const records = event.Records ?? [];
    if (records.length === 0) return { records: 0, undecodable: 0, exporters: 0 };
    const source = sourceOf(records[0]!, deps.streamNames);
    const shardId = records[0]!.eventID.split(':')[0]!;
    const shardRecords = records.map((record) => receivedKinesisRecord(record, now));
    return exportBatch(source, shardId, shardRecords, { ...ports, shardExports });
  };
}

/** Which internal stream a record comes from, by the stream name at the end of its event source ARN. */
function sourceOf(record: KinesisStreamRecord, names: Readonly<Record<EventSource, string>>): EventSource {
  const streamName = record.eventSourceARN.slice(record.eventSourceARN.lastIndexOf('/') + 1);
  if (streamName === names.sourceEvents) return 'sourceEvents';
  if (streamName === names.derivedEvents) return 'derivedEvents';
  throw new Error('records of an unknown event stream');
}

/** The deployed handler: a stream batch answers no item failure (a failed batch throws and is retried whole). */
function exporterFromEnv(): (event: ExporterEvent) => Promise<ExportTickReport | KinesisStreamBatchResponse> {
  const doc = dynamoDocumentClient();
  const { store, keks } = keyLinkStorageFromEnv();
  const objects = new S3ExportObjects({ s3: s3Client() });
  const streamNames = {
    sourceEvents: requiredEnv('SOURCE_EVENTS_STREAM'),
    derivedEvents: requiredEnv('DERIVED_EVENTS_STREAM'),
  };
  const exporter = createExporterHandler({
    exporters: new CachedExporterDirectory(new ExportersRepo({ doc, table: requiredEnv('EXPORTERS_TABLE') })),
    states: new ExportStateRepo({ doc, table: requiredEnv('EXPORT_STATE_TABLE') }),
    objects,
    shards: new KinesisShardReader({
      kinesis: kinesisClient(),
      streamNames,
      atTimestamp: process.env.KINESIS_AT_TIMESTAMP !== 'false',
    }),
    keys: new StoredKeyLinkKeys({ store, keks }),
    stagingBucket: requiredEnv('EXPORTS_BUCKET'),
    streamNames,
  });
  return async (event) => {
    const report = await exporter(event);
    return 'Records' in event ? { batchItemFailures: [] } : (report as ExportTickReport);
  };
}

/** Lambda entry point (Kinesis event-source mappings on both event streams, and an EventBridge schedule). */
export const handler = lambdaEntryPoint('exporter', exporterFromEnv);
