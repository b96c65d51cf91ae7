import { randomUUID } from 'node:crypto';
import type { BatchExporterRecord } from '../../lambdas/core/batch-exporter';
import { type EventEnvelope, encodeEnvelope } from '../../lambdas/core/event-envelope';
import { exportFolder } from '../../lambdas/core/export-files';
import { KeyLinkResolver } from '../../lambdas/core/key-links';
import { createExporterHandler } from '../../lambdas/handlers/exporter';
import type { ExportBatchReport } from '../../lambdas/use-cases/export/export-batch';
import type { ExportTickReport } from '../../lambdas/use-cases/export/export-tick';
import { StoredKeyLinkKeys } from '../../lambdas/use-cases/export/key-link-keys';
import type { EventSource, ShardRecord } from '../../lambdas/use-cases/export/ports';
import { scheduledEvent } from '../../local/local-schedules';
import { batchExporterRecord } from './batch-exporter-records';
import { kinesisEvent } from './data-path-events';
import { InMemoryExportObjects } from './fakes/in-memory-export-objects';
import { InMemoryExportStateStore } from './fakes/in-memory-export-state-store';
import { InMemoryExportersRepo } from './fakes/in-memory-exporters-repo';
import { InMemoryKeyEncryptionKeys, InMemoryKeyLinkStore } from './fakes/in-memory-key-link-store';
import { InMemoryShards } from './fakes/in-memory-shards';
import { recordingLogger } from './recording-logger';

/** The stack's bucket and another one, in the exporter under test. */
export const STAGING_BUCKET = 'ps-exports';
export const OTHER_BUCKET = 'deployer-bucket';
export const SHARD_0 = 'shardId-000000000000';
export const SHARD_1 = 'shardId-000000000001';
const STREAM_NAMES: Record<EventSource, string> = {
  sourceEvents: 'ps-source-events',
  derivedEvents: 'ps-derived-events',
};

/**
 * The real exporter handler (createExporterHandler) over in-memory fakes: exporter definitions, export
 * states, S3, the internal streams' shards and key links, with a clock the test moves. Records are
 * published to a shard first (so a backfill can read them) and then delivered as the event-source mapping
 * would, or not.
 */
export function exporterHarness() {
  let now = Date.parse('2025-03-01T10:00:00.000Z');
  const clock = () => now;
  const exporters = new InMemoryExportersRepo();
  const states = new InMemoryExportStateStore(clock);
  const objects = new InMemoryExportObjects([STAGING_BUCKET, OTHER_BUCKET], { now: clock });
  const shards = new InMemoryShards([SHARD_0, SHARD_1]);
  const keyLinkStore = new InMemoryKeyLinkStore();
  const keks = new InMemoryKeyEncryptionKeys();
  const keyLinks = new KeyLinkResolver({
    store: keyLinkStore,
    keks,
    lookupSecret: new Uint8Array(32).fill(3),
    now: clock,
  });
  const log = recordingLogger('exporter');
  const handler = createExporterHandler({
    exporters,
    states,
    objects,
    shards,
    keys: new StoredKeyLinkKeys({ store: keyLinkStore, keks }),
    stagingBucket: STAGING_BUCKET,
    streamNames: STREAM_NAMES,
    now: clock,
    logger: log.logger,
  });

  /** An exporter as management stores it; created an hour ago unless given (so it is known everywhere). */
  const exporter = (overrides: Partial<BatchExporterRecord> = {}): BatchExporterRecord => {
    const record = batchExporterRecord({
      exporterId: randomUUID(),
      name: `${overrides.stream ?? 'winston'}-export`,
      bucket: STAGING_BUCKET,
      streamCreatedAt: new Date(now - 2 * 3600_000).toISOString(),
      createdAt: new Date(now - 3600_000).toISOString(),
      ...overrides,
    });
    void exporters.create(record);
    return record;
  };

  /**
   * An event of a stream, as its envelope on the internal stream; without `streamCreatedAt` as written
   * before envelopes named their stream's incarnation.
   */
  const envelope = (
    n: number,
    opts: { stream?: string; accountId?: string; keyLink?: string; streamCreatedAt?: string } = {},
  ): EventEnvelope => ({
    v: 1,
    accountId: opts.accountId ?? 'acct-1',
    stream: opts.stream ?? 'winston',
    ...(opts.streamCreatedAt === undefined ? {} : { streamCreatedAt: opts.streamCreatedAt }),
    contractRef: 'streammachine/clickstream/1.0.0',
    event: { strmMeta: { keyLink: opts.keyLink ?? `link-${n % 3}`, nonce: n, consentLevels: [0] }, n },
  });

  /** Puts envelopes on a shard (arrived now); the records, with their sequence numbers. */
  const publish = (
    envelopes: readonly EventEnvelope[],
    shardId = SHARD_0,
    source: EventSource = 'sourceEvents',
  ) =>
    shards.append(
      source,
      shardId,
      envelopes.map((e) => ({ data: encodeEnvelope(e), arrivalMs: now })),
    );

  /** Hands records to the handler as the event-source mapping would (one shard per batch). */
  const deliver = (
    records: readonly ShardRecord[],
    shardId = SHARD_0,
    source: EventSource = 'sourceEvents',
  ) =>
    handler(
      kinesisEvent(
        records.map((r) => ({
          sequenceNumber: r.sequenceNumber,
          partitionKey: 'k',
          data: r.data,
          arrivalSeconds: r.arrivalMs / 1000,
          shardId,
        })),
        STREAM_NAMES[source],
      ),
    ) as Promise<ExportBatchReport>;

  const tick = () => handler(scheduledEvent('export-tick', new Date(now))) as Promise<ExportTickReport>;

  /** The exporter's files: name → parsed lines, in name order. */
  const files = (e: BatchExporterRecord): Record<string, unknown[]> => {
    const folder = exportFolder(e);
    const found: Record<string, unknown[]> = {};
    for (const key of objects.keys(e.bucket, folder)) {
      if (key.slice(folder.length).includes('/')) continue; // another exporter's folder below this one
      const body = objects.objects.get(e.bucket)!.get(key)!.body;
      found[key.slice(folder.length)] = body
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line));
    }
    return found;
  };

  /** Every exported line of the exporter, in file order. */
  const lines = (e: BatchExporterRecord): unknown[] => Object.values(files(e)).flat();

  return {
    handler,
    exporters,
    states,
    objects,
    shards,
    keyLinks,
    keyLinkStore,
    keks,
    log,
    exporter,
    envelope,
    publish,
    deliver,
    tick,
    files,
    lines,
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}
