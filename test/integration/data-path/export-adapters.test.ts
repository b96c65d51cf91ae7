import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { S3ExportObjects } from '../../../lambdas/aws/export-objects';
import { ExportStateRepo } from '../../../lambdas/aws/export-state-repo';
import { ExportersRepo } from '../../../lambdas/aws/exporters-repo';
import { KinesisShardReader } from '../../../lambdas/aws/kinesis-shard-reader';
import { initialShardState } from '../../../lambdas/core/export-state';
import { batchExporterRecord } from '../../support/batch-exporter-records';
import { startTestEmulators, type TestEmulators } from '../../support/emulators';

/** The export adapters against the in-process emulators (dynalite, kinesalite, the local S3 API). */

let emu: TestEmulators;
beforeAll(async () => {
  emu = await startTestEmulators({ setEnv: false });
});
afterAll(() => emu.stop());

const exporter = batchExporterRecord;

describe('ExportersRepo', () => {
  it('refuses a second exporter of a name, finds exporters by stream, and tracks the new ones', async () => {
    // Prepare
    const repo = new ExportersRepo({ doc: emu.doc, table: await emu.createEmptyTableLike('exporters') });
    await repo.create(exporter());
    await repo.create(exporter({ exporterId: 'e-2', name: 'other', stream: 'other' }));
    // Act
    const clash = repo.create(exporter({ exporterId: 'e-3' }));
    await repo.markInitialized(exporter({ exporterId: 'not-this-one' }));
    const newBefore = (await repo.listNew(10)).map((e) => e.name).sort();
    await repo.markInitialized(exporter());
    // Assess
    await expect(clash).rejects.toMatchObject({ code: 'batch_exporter_exists' });
    expect((await repo.listByStream('acct-1', 'winston')).map((e) => e.exporterId)).toEqual(['e-1']);
    expect(newBefore).toEqual(['other', 'winston-export']);
    expect((await repo.listNew(10)).map((e) => e.name)).toEqual(['other']);
    expect(await repo.get('acct-1', 'winston-export')).toEqual(exporter());
  });

  it('lists every stream that has an exporter', async () => {
    // Prepare
    const repo = new ExportersRepo({ doc: emu.doc, table: await emu.createEmptyTableLike('exporters') });
    await repo.create(exporter());
    await repo.create(exporter({ exporterId: 'e-2', name: 'winston-keys', kind: 'keys' }));
    await repo.create(exporter({ exporterId: 'e-3', name: 'other', accountId: 'acct-2', stream: 'other' }));
    // Act
    const streams = await repo.listExportedStreams();
    // Assess
    expect(streams.map((s) => `${s.accountId}/${s.stream}`).sort()).toEqual([
      'acct-1/winston',
      'acct-1/winston',
      'acct-2/other',
    ]);
  });
});

describe('ExportStateRepo', () => {
  it('writes a state only against the version it expects', async () => {
    // Prepare
    const repo = new ExportStateRepo({ doc: emu.doc, table: await emu.createEmptyTableLike('exportState') });
    const state = initialShardState({
      exporterId: 'e-1',
      accountId: 'a',
      exporterName: 'n',
      shardId: 's-0',
      interval: 60,
    });
    // Act
    const created = await repo.put(state, undefined);
    const createdAgain = await repo.put(state, undefined);
    const stale = await repo.put({ ...state, version: 1 }, 5);
    const next = await repo.put({ ...state, position: '42', version: 1 }, 0);
    // Assess
    expect([created, createdAgain, stale, next]).toEqual([true, false, false, true]);
    expect(await repo.get('e-1', 's-0')).toEqual({ ...state, position: '42', version: 1 });
  });

  it('lists backfilling states and buffers whose interval is over as due, not idle live states', async () => {
    // Prepare
    const repo = new ExportStateRepo({ doc: emu.doc, table: await emu.createEmptyTableLike('exportState') });
    const base = { exporterId: 'e-1', accountId: 'a', exporterName: 'n', interval: 60 };
    const buffer = { openedAt: 1_000_000, parts: [], lines: 0, bytes: 0, sealed: false };
    await repo.put(initialShardState({ ...base, shardId: 'backfill' }), undefined);
    await repo.put({ ...initialShardState({ ...base, shardId: 'idle' }), phase: 'live' }, undefined);
    await repo.put({ ...initialShardState({ ...base, shardId: 'open' }), phase: 'live', buffer }, undefined);
    // Act
    const early = (await repo.listDue(1_000_000 + 59_000, 10)).map((d) => d.shardId);
    const late = (await repo.listDue(1_000_000 + 60_000, 10)).map((d) => d.shardId);
    // Assess
    expect(early).toEqual(['backfill']);
    expect(late).toEqual(['backfill', 'open']);
  });

  it('keeps key markers until they expire, and deletes an exporter’s markers', async () => {
    // Prepare
    let now = 1_000_000;
    const repo = new ExportStateRepo({
      doc: emu.doc,
      table: await emu.createEmptyTableLike('exportState'),
      now: () => now,
    });
    const ids = Array.from({ length: 130 }, (_, i) => `link-${i}`);
    await repo.putKeyMarkers(
      'e-1',
      ids.map((keyLinkId) => ({ keyLinkId, shardId: 's-0', sequenceNumber: '7' })),
      now + 10_000,
    );
    // Act
    const found = await repo.getKeyMarkers('e-1', [...ids, 'unknown']);
    now += 20_000;
    const expired = await repo.getKeyMarkers('e-1', ids.slice(0, 3));
    await repo.deleteKeyMarkers('e-1');
    now -= 20_000;
    const deleted = await repo.getKeyMarkers('e-1', ids.slice(0, 3));
    // Assess
    expect(found.size).toBe(130);
    expect(found.get('link-7')).toEqual({ keyLinkId: 'link-7', shardId: 's-0', sequenceNumber: '7' });
    expect(expired.size).toBe(0);
    expect(deleted.size).toBe(0);
  });
});

describe('KinesisShardReader', () => {
  it('reads a shard from its oldest record or after a sequence number, and says when it has caught up', async () => {
    // Prepare
    const reader = new KinesisShardReader({
      kinesis: emu.kinesis,
      streamNames: { sourceEvents: emu.streams.sourceEvents, derivedEvents: emu.streams.derivedEvents },
      atTimestamp: false,
    });
    const [shardId] = await reader.listShards('sourceEvents');
    const put = await emu.kinesis.send(
      new PutRecordsCommand({
        StreamName: emu.streams.sourceEvents,
        Records: [1, 2, 3].map((n) => ({
          Data: Buffer.from(`r${n}`),
          ExplicitHashKey: '0',
          PartitionKey: 'k',
        })),
      }),
    );
    const sequences = put.Records!.map((r) => r.SequenceNumber!);
    // Act
    const full = await reader.read((await reader.open('sourceEvents', shardId!, { oldest: true }))!, 2);
    const rest = await reader.read(full.next!, 2);
    const after = await reader.read(
      (await reader.open('sourceEvents', shardId!, { after: sequences[0]! }))!,
      10,
    );
    const fromTime = await reader.read(
      (await reader.open('sourceEvents', shardId!, { atMs: Date.now() }))!,
      10,
    );
    // Assess
    expect(full.records.map((r) => Buffer.from(r.data).toString())).toEqual(['r1', 'r2']);
    expect(full.caughtUp).toBe(false);
    expect(rest.records.map((r) => r.sequenceNumber)).toEqual([sequences[2]]);
    expect(rest.caughtUp).toBe(true);
    expect(after.records.map((r) => r.sequenceNumber)).toEqual(sequences.slice(1));
    expect(fromTime.records).toHaveLength(3); // without AT_TIMESTAMP: from the oldest record (skipped later by time)
    expect(full.records[0]!.arrivalMs).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('S3ExportObjects', () => {
  const objects = () => new S3ExportObjects({ s3: emu.s3 });

  it('writes a file once with putIfAbsent and tells a repeated write that it exists', async () => {
    // Act
    const first = await objects().putIfAbsent(emu.buckets.exports, 'acct-1/f.jsonl', 'a\n');
    const second = await objects().putIfAbsent(emu.buckets.exports, 'acct-1/f.jsonl', 'b\n');
    // Assess
    expect([first, second]).toEqual(['written', 'exists']);
    expect(await objects().get(emu.buckets.exports, 'acct-1/f.jsonl')).toBe('a\n');
    expect(await objects().sizeOf(emu.buckets.exports, 'acct-1/f.jsonl')).toBe(2);
  });

  it('answers undefined for a missing object, deletes objects and lists a prefix after a key', async () => {
    // Prepare
    for (const name of ['a', 'b', 'c']) await objects().put(emu.buckets.exports, `acct-2/${name}`, name);
    // Act
    const missing = await objects().get(emu.buckets.exports, 'acct-2/none');
    await objects().delete(emu.buckets.exports, ['acct-2/c']);
    const listed = await objects().list(emu.buckets.exports, 'acct-2/', 'acct-2/a');
    // Assess
    expect(missing).toBeUndefined();
    expect(listed).toEqual({
      objects: [expect.objectContaining({ key: 'acct-2/b', size: 1 })],
      truncated: false,
    });
  });

  it('signs a download URL that fetches the object', async () => {
    // Prepare
    await objects().put(emu.buckets.exports, 'acct-3/x.jsonl', '{"x":1}\n');
    // Act
    const { url } = await objects().downloadUrl(emu.buckets.exports, 'acct-3/x.jsonl');
    // Assess
    expect(await (await fetch(url)).text()).toBe('{"x":1}\n');
  });
});
