import { keyLinkScopeOf } from '../../../lambdas/core/key-link-scope';
import { TinkDeterministicAead } from '../../../lambdas/core/tink-daead';
import { fromTinkJsonKeyset } from '../../../lambdas/core/tink-keyset';
import {
  exporterHarness,
  OTHER_BUCKET,
  SHARD_0,
  SHARD_1,
  STAGING_BUCKET,
} from '../../support/exporter-harness';

/**
 * The batch exporter through createExporterHandler with in-memory fakes: the stream consumer's batches,
 * the scheduled tick, files, backfill and hand-over, failures and retries, key streams.
 */

type Line = { n: number; strmMeta: { keyLink: string } };
const ns = (lines: unknown[]) => (lines as Line[]).map((line) => line.n);

/** An exporter that is live on both shards (its first tick went through the backfill). */
async function liveExporter(h: ReturnType<typeof exporterHarness>, overrides = {}) {
  const e = h.exporter(overrides);
  await h.tick();
  return e;
}

describe('a live exporter', () => {
  it('writes its stream’s events to one file per shard once the interval is over, as subscribers see them', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    const events = [h.envelope(1), h.envelope(2), h.envelope(3)];
    // Act
    await h.deliver(h.publish(events));
    h.advance(61_000);
    await h.tick();
    // Assess
    const files = h.files(e);
    const opened = new Date(h.now() - 61_000).toISOString().slice(0, 19);
    expect(Object.keys(files)).toEqual([`${opened}-stream-winston---${SHARD_0}.jsonl`]);
    expect(Object.values(files)[0]).toEqual(events.map((env) => env.event));
  });

  it('exports only the events of its own stream and account', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    const batch = [
      h.envelope(1),
      h.envelope(2, { stream: 'winston-0' }),
      h.envelope(3, { accountId: 'acct-2' }),
      h.envelope(4),
    ];
    // Act
    await h.deliver(h.publish(batch));
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(ns(h.lines(e))).toEqual([1, 4]);
  });

  it('writes nothing for an interval without events', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    // Act
    h.advance(61_000);
    await h.tick();
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(h.files(e)).toEqual({});
  });

  it('keeps adding to the open file until its interval is over, then starts the next one', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    // Act
    await h.deliver(h.publish([h.envelope(1)]));
    h.advance(30_000);
    await h.deliver(h.publish([h.envelope(2)]));
    h.advance(31_000);
    await h.deliver(h.publish([h.envelope(3)]));
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(Object.values(h.files(e)).map(ns)).toEqual([[1, 2], [3]]);
  });

  it('exports a batch delivered twice only once', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    const records = h.publish([h.envelope(1), h.envelope(2)]);
    // Act
    await h.deliver(records);
    await h.deliver(records);
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(ns(h.lines(e))).toEqual([1, 2]);
  });

  it('writes to the bucket and under the path prefix it was given', async () => {
    // Prepare
    const h = exporterHarness();
    await liveExporter(h, { bucket: OTHER_BUCKET, pathPrefix: 'lake/clicks' });
    // Act
    await h.deliver(h.publish([h.envelope(1)]));
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(h.objects.keys(OTHER_BUCKET)).toEqual([
      expect.stringMatching(
        /^acct-1\/lake\/clicks\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-stream-winston---shardId-000000000000\.jsonl$/,
      ),
    ]);
    expect(h.objects.keys(STAGING_BUCKET, 'acct-1/')).toEqual([]);
  });
});

describe('records of streams without exporters', () => {
  /** A record of a stream whose event part is not JSON: only a full parse would notice. */
  const brokenRecord = (h: ReturnType<typeof exporterHarness>, stream: string) =>
    h.shards.append('sourceEvents', SHARD_0, [
      {
        data: Buffer.from(
          `{"v":1,"accountId":"acct-1","stream":"${stream}","contractRef":"c","event":{broken`,
        ),
        arrivalMs: h.now(),
      },
    ]);

  it('reads no record of a batch while no stream has an exporter', async () => {
    // Prepare
    const h = exporterHarness();
    const records = [...brokenRecord(h, 'winston'), ...h.publish([h.envelope(1)])];
    // Act
    const report = await h.deliver(records);
    // Assess
    expect(report).toEqual({ records: 2, undecodable: 0, exporters: 0 });
    expect(h.exporters.calls.listByStream).toBeUndefined();
  });

  it('skips the records of streams without an exporter by their head, without parsing their events', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    const records = [
      ...brokenRecord(h, 'other'),
      ...h.publish([h.envelope(1), h.envelope(2, { stream: 'other' })]),
    ];
    // Act
    const report = await h.deliver(records);
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(report).toEqual({ records: 3, undecodable: 0, exporters: 1 });
    expect(ns(h.lines(e))).toEqual([1]);
  });

  it('counts a record of an exported stream that is no envelope', async () => {
    // Prepare
    const h = exporterHarness();
    await liveExporter(h);
    // Act
    const report = await h.deliver(brokenRecord(h, 'winston'));
    // Assess
    expect(report).toEqual({ records: 1, undecodable: 1, exporters: 0 });
  });
});

describe('failures and retries', () => {
  it('a failure between staging and commit hands the shard to backfill, which exports each event once', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    const records = h.publish([h.envelope(1), h.envelope(2)]);
    let fail = true;
    h.states.beforePut = (state) => {
      if (fail && state.buffer) {
        fail = false;
        throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
      }
    };
    // Act
    await h.deliver(records);
    await h.tick();
    await h.deliver(h.publish([h.envelope(3)]));
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(ns(h.lines(e))).toEqual([1, 2, 3]);
    expect(h.log.attributesOf('export handed to backfill')).toEqual([
      { exporterId: e.exporterId, shardId: SHARD_0, errorName: 'ProvisionedThroughputExceededException' },
    ]);
  });

  it('a batch whose failure cannot even be recorded fails, and its retry exports each event once', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    const records = h.publish([h.envelope(1), h.envelope(2)]);
    let failures = 0;
    h.states.beforePut = () => {
      if (failures < 2) {
        failures++;
        throw Object.assign(new Error('unavailable'), { name: 'InternalServerError' });
      }
    };
    // Act
    const first = h.deliver(records);
    // Assess
    await expect(first).rejects.toThrow('unavailable');
    await h.deliver(records);
    h.advance(61_000);
    await h.tick();
    expect(ns(h.lines(e))).toEqual([1, 2]);
  });

  it('a file written just before a crash is found there on the retry and not written twice', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    await h.deliver(h.publish([h.envelope(1)]));
    h.advance(61_000);
    let fail = true;
    h.states.beforePut = (state) => {
      if (fail && state.lastFileAt !== undefined && !state.buffer) {
        fail = false;
        throw new Error('crashed');
      }
    };
    // Act
    await h.tick();
    const beforeRetry = h.objects.writes.filter((w) => w.includes('/acct-1/')).length;
    await h.tick();
    // Assess
    expect(beforeRetry).toBe(1);
    expect(h.objects.writes.filter((w) => w.includes('/acct-1/'))).toHaveLength(1);
    expect(ns(h.lines(e))).toEqual([1]);
    expect(h.log.attributesOf('export file written')).toEqual([
      expect.objectContaining({ alreadyThere: true }),
    ]);
  });

  it('an exporter whose bucket fails does not hold back the others, and catches up once the bucket works', async () => {
    // Prepare
    const h = exporterHarness();
    const healthy = await liveExporter(h);
    const broken = await liveExporter(h, { name: 'winston-lake', bucket: OTHER_BUCKET });
    h.objects.failing.add(OTHER_BUCKET);
    // Act
    await h.deliver(h.publish([h.envelope(1)]));
    h.advance(61_000);
    await h.deliver(h.publish([h.envelope(2)]));
    await h.tick();
    const whileBroken = { healthy: ns(h.lines(healthy)), broken: ns(h.lines(broken)) };
    h.objects.failing.delete(OTHER_BUCKET);
    await h.tick(); // writes the file of 1, backfills 2 into a new one
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(whileBroken).toEqual({ healthy: [1], broken: [] });
    expect(ns(h.lines(healthy))).toEqual([1, 2]);
    expect(ns(h.lines(broken))).toEqual([1, 2]);
  });

  it('loses and duplicates nothing when the tick and the consumer race for the same state', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    await h.deliver(h.publish([h.envelope(1), h.envelope(2)]));
    h.advance(61_000);
    // Act
    await Promise.all([h.tick(), h.deliver(h.publish([h.envelope(3)])), h.tick()]);
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(ns(h.lines(e))).toEqual([1, 2, 3]);
  });
});

describe('a new exporter', () => {
  it('exports the events since its creation that the consumer handled before it knew the exporter', async () => {
    // Prepare
    const h = exporterHarness();
    const e = h.exporter({ createdAt: new Date(h.now()).toISOString() });
    h.publish([h.envelope(1), h.envelope(2)]); // delivered to a consumer whose cache did not know e yet
    // Act
    h.advance(11_000);
    await h.tick();
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(ns(h.lines(e))).toEqual([1, 2]);
  });

  it('leaves out events from before its creation, unless it includes existing events (of this stream’s life)', async () => {
    // Prepare
    const h = exporterHarness();
    h.publish([h.envelope(0)], SHARD_1); // before the stream was created (an earlier stream of that name)
    h.advance(3600_000);
    const streamCreatedAt = new Date(h.now()).toISOString();
    h.advance(1000);
    h.publish([h.envelope(1)], SHARD_1);
    h.advance(3600_000);
    const latest = h.exporter({ createdAt: new Date(h.now()).toISOString(), streamCreatedAt });
    const all = h.exporter({
      name: 'winston-all',
      pathPrefix: 'all',
      includeExistingEvents: true,
      createdAt: new Date(h.now()).toISOString(),
      streamCreatedAt,
    });
    h.advance(1000);
    h.publish([h.envelope(2)], SHARD_1);
    // Act
    h.advance(11_000);
    await h.tick();
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(ns(h.lines(latest))).toEqual([2]);
    expect(ns(h.lines(all))).toEqual([1, 2]);
  });

  it("exports none of an earlier incarnation's events, also those arriving after the stream was created again", async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    const earlier = new Date(Date.parse(e.streamCreatedAt) - 86_400_000).toISOString();
    // Act
    await h.deliver(
      h.publish([
        h.envelope(1, { streamCreatedAt: earlier }),
        h.envelope(2, { streamCreatedAt: e.streamCreatedAt }),
      ]),
    );
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(ns(h.lines(e))).toEqual([2]);
  });

  it('exports every event of its incarnation, whatever its arrival time says, when it includes existing events', async () => {
    // Prepare: the stream's createdAt came from a clock a little ahead of the event stream's.
    const h = exporterHarness();
    const streamCreatedAt = new Date(h.now() + 2000).toISOString();
    const e = h.exporter({ includeExistingEvents: true, streamCreatedAt });
    h.publish([h.envelope(1, { streamCreatedAt })], SHARD_1);
    // Act
    h.advance(11_000);
    await h.tick();
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(ns(h.lines(e))).toEqual([1]);
  });

  it('hands over from backfill to the consumer without losing or duplicating an event', async () => {
    // Prepare
    const h = exporterHarness();
    const e = h.exporter({ createdAt: new Date(h.now()).toISOString() });
    h.publish([h.envelope(1)]);
    await h.tick(); // backfill starts, but may not hand over yet: consumers may not know e
    await h.deliver(h.publish([h.envelope(2)])); // left to the backfill
    h.advance(11_000);
    const third = h.publish([h.envelope(3)]);
    // Act
    await h.tick(); // reads 2 and 3, hands over
    await h.deliver(third); // already exported by the backfill
    await h.deliver(h.publish([h.envelope(4)]));
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(ns(h.lines(e))).toEqual([1, 2, 3, 4]);
    expect((await h.states.get(e.exporterId, SHARD_0))?.phase).toBe('live');
  });
});

describe('a deleted exporter', () => {
  it('leaves no state and no staged parts behind, and writes no more files', async () => {
    // Prepare
    const h = exporterHarness();
    const e = await liveExporter(h);
    await h.deliver(h.publish([h.envelope(1)]));
    await h.exporters.delete(e.accountId, e.name);
    // Act
    h.advance(61_000);
    await h.tick();
    // Assess
    expect(await h.states.listOfExporter(e.exporterId)).toEqual([]);
    expect(h.objects.keys(STAGING_BUCKET)).toEqual([]);
  });
});

describe('a key stream', () => {
  const scope = keyLinkScopeOf({
    accountId: 'acct-1',
    name: 'winston',
    createdAt: '2025-01-01T00:00:00.000Z',
  });

  it('exports each key link once, with a Tink keyset that decrypts the events it encrypted', async () => {
    // Prepare
    const h = exporterHarness();
    const keys = await liveExporter(h, { name: 'winston-keys', kind: 'keys' });
    const a = await h.keyLinks.forKeyFieldValue(scope, 'session-a');
    const b = await h.keyLinks.forKeyFieldValue(scope, 'session-b');
    const secret = a.aead.encryptString('customer-a');
    // Act
    await h.deliver(
      h.publish([h.envelope(1, { keyLink: a.keyLinkId }), h.envelope(2, { keyLink: b.keyLinkId })]),
    );
    await h.deliver(h.publish([h.envelope(3, { keyLink: a.keyLinkId })]));
    h.advance(61_000);
    await h.tick();
    // Assess
    const lines = h.lines(keys) as {
      keyLink: string;
      encryptionKey: string;
      createdAt: number;
      expiresAt: number;
    }[];
    expect(lines.map((l) => l.keyLink)).toEqual([a.keyLinkId, b.keyLinkId]);
    const aead = new TinkDeterministicAead(fromTinkJsonKeyset(lines[0]!.encryptionKey));
    expect(aead.decryptString(secret)).toBe('customer-a');
    expect(lines[0]!.expiresAt - lines[0]!.createdAt).toBe(24 * 3600_000);
    expect(Object.keys(h.files(keys))[0]).toMatch(/-keys-winston---shardId-000000000000\.jsonl$/);
  });

  it('does not export a key link that was shredded before its turn', async () => {
    // Prepare
    const h = exporterHarness();
    const keys = await liveExporter(h, { name: 'winston-keys', kind: 'keys' });
    const a = await h.keyLinks.forKeyFieldValue(scope, 'session-a');
    const b = await h.keyLinks.forKeyFieldValue(scope, 'session-b');
    await h.keyLinkStore.deleteById(a.keyLinkId);
    // Act
    await h.deliver(
      h.publish([h.envelope(1, { keyLink: a.keyLinkId }), h.envelope(2, { keyLink: b.keyLinkId })]),
    );
    h.advance(61_000);
    await h.tick();
    // Assess
    expect((h.lines(keys) as { keyLink: string }[]).map((l) => l.keyLink)).toEqual([b.keyLinkId]);
  });

  it('exports a key link again when the attempt that marked it did not commit', async () => {
    // Prepare
    const h = exporterHarness();
    const keys = await liveExporter(h, { name: 'winston-keys', kind: 'keys' });
    const a = await h.keyLinks.forKeyFieldValue(scope, 'session-a');
    let fail = true;
    h.states.beforePut = (state) => {
      if (fail && state.buffer) {
        fail = false;
        throw new Error('lost');
      }
    };
    // Act
    await h.deliver(h.publish([h.envelope(1, { keyLink: a.keyLinkId })]));
    await h.tick();
    h.advance(61_000);
    await h.tick();
    // Assess
    expect((h.lines(keys) as { keyLink: string }[]).map((l) => l.keyLink)).toEqual([a.keyLinkId]);
  });
});
