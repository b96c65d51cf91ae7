import { type EventEnvelope, encodeEnvelope } from '../../../lambdas/core/event-envelope';
import { createEgressHandler } from '../../../lambdas/handlers/egress';
import { STREAM_RECORD_CACHE_TTL_MS } from '../../../lambdas/use-cases/stream-admission';
import { kinesisEvent, type StreamRecordData } from '../../support/data-path-events';
import { InMemoryConnectionsRepo } from '../../support/fakes/in-memory-connections-repo';
import { InMemoryStreamsRepo } from '../../support/fakes/in-memory-streams-repo';
import { RecordingConnectionPoster } from '../../support/fakes/recording-connection-poster';
import { recordingLogger } from '../../support/recording-logger';
import { streamRecord } from '../../support/stream-records';

const ACCOUNT = 'account-1';

/** The egress function wired to in-memory fakes; its subscribers connected five minutes ago (`$connect` long done). */
function egressWithFakes(concurrency?: number, now?: () => number) {
  // A clock that never repeats a millisecond: two subscribers never share a change mark, as they may
  // in one millisecond of the real clock, which only a listing read within that millisecond would miss.
  let ticks = 0;
  const connections = new InMemoryConnectionsRepo({ now: () => Date.now() - 5 * 60_000 + ticks++ });
  const streams = new InMemoryStreamsRepo();
  const poster = new RecordingConnectionPoster();
  const log = recordingLogger('egress');
  const egress = createEgressHandler({
    connections,
    streams,
    poster,
    logger: log.logger,
    ...(concurrency ? { concurrency } : {}),
    ...(now ? { now } : {}),
  });
  /** A subscriber of a stream (stored with that client id as its credential), as `$connect` stores it. */
  const subscribe = async (connectionId: string, streamName: string, accountId = ACCOUNT) => {
    const clientId = `client-of-${streamName}`;
    const stored = await streams.get(accountId, streamName);
    if (!stored) streams.put(streamRecord({ name: streamName, accountId, credentials: [{ clientId }] }));
    return connections.put({ connectionId, accountId, streamName, clientId });
  };
  return { egress, connections, streams, poster, log, subscribe };
}

function envelope(stream: string, n: number, accountId = ACCOUNT): EventEnvelope {
  return {
    v: 1,
    accountId,
    stream,
    contractRef: 'streammachine/example/1.3.0',
    event: { n, strmMeta: { consentLevels: [] } },
  };
}

function batch(items: (EventEnvelope | Uint8Array)[]) {
  const records: StreamRecordData[] = items.map((item, index) => ({
    sequenceNumber: String(1000 + index),
    partitionKey: 'pk',
    data: item instanceof Uint8Array ? item : encodeEnvelope(item),
    arrivalSeconds: 1_740_830_400,
    shardId: 'shardId-000000000000',
  }));
  return kinesisEvent(records, 'derived-events');
}

describe('egress fan-out', () => {
  it('sends each event, as its event object in one text frame, to every subscriber of its stream only', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a', 'demo-1');
    await fakes.subscribe('sub-b', 'demo-1');
    await fakes.subscribe('sub-other-stream', 'demo-2');
    await fakes.subscribe('sub-other-account', 'demo-1', 'account-2');
    // Act
    const report = await fakes.egress(batch([envelope('demo-1', 1), envelope('demo-1', 2)]));
    // Assess
    const expected = [
      { n: 1, strmMeta: { consentLevels: [] } },
      { n: 2, strmMeta: { consentLevels: [] } },
    ];
    expect(fakes.poster.eventsOf('sub-a')).toEqual(expected);
    expect(fakes.poster.eventsOf('sub-b')).toEqual(expected);
    expect(fakes.poster.eventsOf('sub-other-stream')).toEqual([]);
    expect(fakes.poster.eventsOf('sub-other-account')).toEqual([]);
    expect(report).toEqual({
      events: 2,
      undecodable: 0,
      deliveries: 4,
      messages: 4,
      gone: 0,
      connecting: 0,
      failedPosts: 0,
      throttled: 0,
      outOfTime: 0,
      revoked: 0,
      otherIncarnation: 0,
    });
  });

  it("lists each stream's subscribers once per batch", async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a', 'demo-1');
    // Act
    await fakes.egress(batch([envelope('demo-1', 1), envelope('demo-2', 2), envelope('demo-1', 3)]));
    // Assess
    expect(fakes.connections.calls.listByStream).toBe(2);
  });

  it('gives each connection its frames in record order, also when streams interleave in the batch', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-1', 'demo-1');
    await fakes.subscribe('sub-2', 'demo-2');
    const items = [1, 2, 3, 4, 5, 6].map((n) => envelope(n % 2 ? 'demo-1' : 'demo-2', n));
    // Act
    await fakes.egress(batch(items));
    // Assess
    expect(fakes.poster.eventsOf('sub-1').map((event) => (event as { n: number }).n)).toEqual([1, 3, 5]);
    expect(fakes.poster.eventsOf('sub-2').map((event) => (event as { n: number }).n)).toEqual([2, 4, 6]);
  });

  it('serves connections concurrently, at most the configured number at once', async () => {
    // Prepare
    const fakes = egressWithFakes(2);
    for (const id of ['s-1', 's-2', 's-3', 's-4', 's-5']) await fakes.subscribe(id, 'demo-1');
    // Act
    const report = await fakes.egress(batch([envelope('demo-1', 1), envelope('demo-1', 2)]));
    // Assess
    expect(report.deliveries).toBe(10);
    expect(fakes.poster.maxInFlight).toBe(2);
  });

  it('deletes a connection that has gone, sends it nothing more, and keeps delivering to the others', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-stays', 'demo');
    await fakes.subscribe('sub-gone', 'demo');
    fakes.poster.gone.add('sub-gone');
    // Act
    const report = await fakes.egress(batch([envelope('demo', 1), envelope('demo', 2)]));
    // Assess
    expect(report).toMatchObject({ deliveries: 2, gone: 1, failedPosts: 0 });
    expect(fakes.connections.calls.delete).toBe(1);
    expect([...fakes.connections.connections.keys()]).toEqual(['sub-stays']);
    expect(fakes.poster.posts.filter((post) => post.connectionId === 'sub-gone')).toHaveLength(1);
    expect(fakes.poster.eventsOf('sub-stays')).toHaveLength(2);
  });

  it('counts a failed post, logs it by error name, and goes on with the next frame and connection', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-ok', 'demo');
    await fakes.subscribe('sub-failing', 'demo');
    fakes.poster.failing.add('sub-failing');
    // Act
    const report = await fakes.egress(batch([envelope('demo', 1), envelope('demo', 2)]));
    // Assess
    expect(report).toMatchObject({ deliveries: 2, failedPosts: 2, gone: 0 });
    expect(fakes.poster.posts.filter((post) => post.connectionId === 'sub-failing')).toHaveLength(2);
    expect(fakes.connections.calls.delete).toBeUndefined();
    expect(fakes.log.attributesOf('post to connection failed')[0]).toEqual({
      connectionId: 'sub-failing',
      errorName: 'Error',
    });
  });

  it('logs at most 10 failed posts per 10 s across batches, the next line saying how many were held back', async () => {
    // Prepare
    const fakes = egressWithFakes();
    for (let i = 0; i < 12; i++) {
      await fakes.subscribe(`sub-${i}`, 'demo');
      fakes.poster.failing.add(`sub-${i}`);
    }
    // Act
    await fakes.egress(batch([envelope('demo', 1), envelope('demo', 2)]));
    await fakes.egress(batch([envelope('demo', 3)]));
    // Assess
    expect(fakes.log.attributesOf('post to connection failed')).toHaveLength(10);
  });

  it('closes and deletes a subscriber whose credential the stream no longer lists, and sends it nothing', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-kept', 'demo');
    await fakes.connections.put({
      connectionId: 'sub-revoked',
      accountId: ACCOUNT,
      streamName: 'demo',
      clientId: 'ps-deleted-credential',
    });
    // Act
    const report = await fakes.egress(batch([envelope('demo', 1)]));
    // Assess
    expect(report).toMatchObject({ deliveries: 1, revoked: 1 });
    expect(fakes.poster.posts.map((post) => post.connectionId)).toEqual(['sub-kept']);
    expect(fakes.poster.disconnected).toEqual(['sub-revoked']);
    expect([...fakes.connections.connections.keys()]).toEqual(['sub-kept']);
  });

  it('sends nothing to the subscribers of a stream that was deleted, and ends them', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a', 'demo');
    await fakes.streams.delete(ACCOUNT, 'demo');
    // Act
    const report = await fakes.egress(batch([envelope('demo', 1)]));
    // Assess
    expect(report).toMatchObject({ deliveries: 0, revoked: 1 });
    expect(fakes.poster.posts).toEqual([]);
    expect(fakes.connections.connections.size).toBe(0);
  });

  it('never delivers to an old subscriber of a stream deleted and created again under the same name', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-old', 'demo');
    await fakes.egress(batch([envelope('demo', 0)]));
    await fakes.streams.delete(ACCOUNT, 'demo');
    fakes.streams.put(
      streamRecord({ name: 'demo', accountId: ACCOUNT, credentials: [{ clientId: 'ps-new' }] }),
    );
    // Act
    const report = await fakes.egress(batch([envelope('demo', 1)]));
    // Assess
    expect(report).toMatchObject({ deliveries: 0, revoked: 1 });
    expect(fakes.poster.eventsOf('sub-old')).toEqual([{ n: 0, strmMeta: { consentLevels: [] } }]);
  });

  it('sends nothing to the subscribers of a disabled stream', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a', 'demo');
    const stored = (await fakes.streams.get(ACCOUNT, 'demo'))!;
    fakes.streams.put({ ...stored, enabled: false });
    // Act
    const report = await fakes.egress(batch([envelope('demo', 1)]));
    // Assess
    expect(report).toMatchObject({ deliveries: 0, revoked: 1 });
  });

  it('serves a subscriber of a credential created after an earlier batch read the stream', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a', 'demo');
    await fakes.egress(batch([envelope('demo', 0)]));
    await fakes.streams.addCredential(ACCOUNT, 'demo', {
      clientId: 'ps-added',
      secretHash: 'h',
      createdAt: '',
    });
    await fakes.connections.put({
      connectionId: 'sub-new',
      accountId: ACCOUNT,
      streamName: 'demo',
      clientId: 'ps-added',
    });
    // Act
    const report = await fakes.egress(batch([envelope('demo', 1)]));
    // Assess
    expect(report).toMatchObject({ deliveries: 2, revoked: 0 });
    expect(fakes.poster.eventsOf('sub-new')).toEqual([{ n: 1, strmMeta: { consentLevels: [] } }]);
  });

  it('skips and counts records that are not event envelopes, and delivers the others', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a', 'demo');
    // Act
    const report = await fakes.egress(batch([Buffer.from('not json'), envelope('demo', 1)]));
    // Assess
    expect(report).toMatchObject({ events: 1, undecodable: 1, deliveries: 1 });
    expect(fakes.poster.eventsOf('sub-a')).toEqual([{ n: 1, strmMeta: { consentLevels: [] } }]);
  });

  it("counts a stream's frames as failed when its subscribers cannot be listed, and serves the other streams", async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a', 'demo-1');
    fakes.connections.failListing = (_accountId, streamName) => streamName === 'demo-2';
    // Act
    const report = await fakes.egress(
      batch([envelope('demo-2', 1), envelope('demo-2', 2), envelope('demo-1', 3)]),
    );
    // Assess
    expect(report).toMatchObject({ events: 3, deliveries: 1, failedPosts: 2 });
    expect(fakes.log.attributesOf('subscribers could not be listed')[0]).toEqual({
      errorName: 'Error',
    });
  });

  it('logs what the batch did', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a', 'demo');
    // Act
    const report = await fakes.egress(batch([envelope('demo', 1)]));
    // Assess
    expect(fakes.log.attributesOf('batch delivered')[0]).toEqual({ ...report });
  });
});

describe('egress: incarnations of a stream and the short cache of stream records', () => {
  const OLD = '2025-01-01T00:00:00.000Z';
  const NEW = '2025-02-01T00:00:00.000Z';

  /** An envelope of one incarnation of a stream. */
  function of(streamCreatedAt: string, stream: string, n: number): EventEnvelope {
    return { ...envelope(stream, n), streamCreatedAt };
  }

  /** `demo` as one incarnation with one subscriber (its client id the incarnation's credential). */
  async function subscribed(
    fakes: ReturnType<typeof egressWithFakes>,
    createdAt: string,
    connectionId: string,
  ) {
    const clientId = `ps-${connectionId}`;
    fakes.streams.put(
      streamRecord({ name: 'demo', accountId: ACCOUNT, createdAt, credentials: [{ clientId }] }),
    );
    await fakes.connections.put({ connectionId, accountId: ACCOUNT, streamName: 'demo', clientId });
  }

  it("reads a stream's record once for consecutive batches of its incarnation", async () => {
    // Prepare
    const fakes = egressWithFakes();
    await subscribed(fakes, OLD, 'sub-a');
    // Act
    await fakes.egress(batch([of(OLD, 'demo', 1)]));
    await fakes.egress(batch([of(OLD, 'demo', 2)]));
    // Assess
    expect(fakes.streams.calls.get).toBe(1);
    expect(fakes.poster.eventsOf('sub-a')).toHaveLength(2);
  });

  it("never delivers an earlier incarnation's events to a subscriber of the stream created again", async () => {
    // Prepare
    const fakes = egressWithFakes();
    await subscribed(fakes, NEW, 'sub-new');
    // Act
    const report = await fakes.egress(batch([of(OLD, 'demo', 1), of(NEW, 'demo', 2)]));
    // Assess
    expect(report).toMatchObject({ events: 2, deliveries: 1, otherIncarnation: 1, revoked: 0 });
    expect(fakes.poster.eventsOf('sub-new')).toEqual([{ n: 2, strmMeta: { consentLevels: [] } }]);
  });

  it("never delivers a new incarnation's events to an old subscriber, though the old record is cached", async () => {
    // Prepare
    const fakes = egressWithFakes();
    await subscribed(fakes, OLD, 'sub-old');
    await fakes.egress(batch([of(OLD, 'demo', 0)])); // caches the old record
    await fakes.streams.delete(ACCOUNT, 'demo');
    fakes.streams.put(streamRecord({ name: 'demo', accountId: ACCOUNT, createdAt: NEW }));
    // Act
    const report = await fakes.egress(batch([of(NEW, 'demo', 1)]));
    // Assess
    expect(report).toMatchObject({ deliveries: 0, revoked: 1 });
    expect(fakes.poster.eventsOf('sub-old')).toEqual([{ n: 0, strmMeta: { consentLevels: [] } }]);
  });

  it('serves a subscriber of a credential created after the stream record was cached', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await subscribed(fakes, OLD, 'sub-a');
    await fakes.egress(batch([of(OLD, 'demo', 0)])); // caches the record
    await fakes.streams.addCredential(ACCOUNT, 'demo', {
      clientId: 'ps-added',
      secretHash: 'h',
      createdAt: '',
    });
    await fakes.connections.put({
      connectionId: 'sub-b',
      accountId: ACCOUNT,
      streamName: 'demo',
      clientId: 'ps-added',
    });
    // Act
    const report = await fakes.egress(batch([of(OLD, 'demo', 1)]));
    // Assess
    expect(report).toMatchObject({ deliveries: 2, revoked: 0 });
  });

  it('closes a subscriber of a deleted credential once the cached record is 5 s old, and serves it until then', async () => {
    // Prepare
    let now = Date.parse('2025-03-01T00:00:00.000Z');
    const fakes = egressWithFakes(undefined, () => now);
    await subscribed(fakes, OLD, 'sub-a');
    await fakes.egress(batch([of(OLD, 'demo', 0)])); // caches the record
    await fakes.streams.removeCredential(ACCOUNT, 'demo', 'ps-sub-a');
    // Act
    now += STREAM_RECORD_CACHE_TTL_MS - 1;
    const within = await fakes.egress(batch([of(OLD, 'demo', 1)]));
    now += 1;
    const after = await fakes.egress(batch([of(OLD, 'demo', 2)]));
    // Assess
    expect(within).toMatchObject({ deliveries: 1, revoked: 0 });
    expect(after).toMatchObject({ deliveries: 0, revoked: 1 });
  });
});
