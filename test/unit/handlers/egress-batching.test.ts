import { MAX_FRAME_BYTES } from '../../../lambdas/core/delivery-lanes';
import { type EventEnvelope, encodeEnvelope } from '../../../lambdas/core/event-envelope';
import { createEgressHandler, TIME_RESERVE_MS } from '../../../lambdas/handlers/egress';
import { createWsConnectHandler } from '../../../lambdas/handlers/ws-connect';
import { CONNECT_GRACE_MS, THROTTLED_POST_ATTEMPTS } from '../../../lambdas/use-cases/connection-delivery';
import { SUBSCRIBER_INDEX_SETTLE_MS } from '../../../lambdas/use-cases/subscriber-directory';
import { kinesisEvent, type StreamRecordData } from '../../support/data-path-events';
import { InMemoryConnectionsRepo } from '../../support/fakes/in-memory-connections-repo';
import { InMemorySessionsRepo } from '../../support/fakes/in-memory-sessions-repo';
import { InMemoryStreamsRepo } from '../../support/fakes/in-memory-streams-repo';
import { RecordingConnectionPoster } from '../../support/fakes/recording-connection-poster';
import { recordingLogger } from '../../support/recording-logger';
import { streamRecord } from '../../support/stream-records';
import { connectRouteEvent } from '../../support/websocket-events';

const ACCOUNT = 'account-1';
const CLIENT = 'client-of-demo';
const START_MS = Date.parse('2025-03-01T12:00:00.000Z');

/** Egress and `$connect` of one warm process on in-memory fakes, with a clock the test moves. */
function egressWithFakes() {
  const clock = { now: START_MS };
  const now = () => clock.now;
  const connections = new InMemoryConnectionsRepo({ now });
  const streams = new InMemoryStreamsRepo();
  streams.put(streamRecord({ name: 'demo', accountId: ACCOUNT, credentials: [{ clientId: CLIENT }] }));
  const poster = new RecordingConnectionPoster();
  const log = recordingLogger('egress');
  const sleeps: number[] = [];
  const egress = createEgressHandler({
    connections,
    streams,
    poster,
    logger: log.logger,
    now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const connect = createWsConnectHandler({ connections, sessions: new InMemorySessionsRepo() });
  /** A subscriber of `demo` as `$connect` stores it; `batch` as the `?batch=true` upgrade asks. */
  const subscribe = (connectionId: string, batch = false) =>
    connect({
      ...connectRouteEvent(connectionId, { accountId: ACCOUNT, stream: 'demo', clientId: CLIENT }),
      queryStringParameters: batch ? { batch: 'true' } : {},
    });
  return { egress, connections, poster, log, clock, sleeps, subscribe };
}

interface TestEvent {
  n: number;
  session: string;
  pad?: string;
}

/** A batch of `demo` events; each record partitioned by its event's session (the key link). */
function batch(events: TestEvent[]) {
  const records: StreamRecordData[] = events.map((event, index) => {
    const envelope: EventEnvelope = {
      v: 1,
      accountId: ACCOUNT,
      stream: 'demo',
      contractRef: 'streammachine/example/1.3.0',
      event: { ...event },
    };
    return {
      sequenceNumber: String(1000 + index),
      partitionKey: event.session,
      data: encodeEnvelope(envelope),
      arrivalSeconds: START_MS / 1000,
      shardId: 'shardId-000000000000',
    };
  });
  return kinesisEvent(records, 'derived-events');
}

const events = (count: number, sessions: number, padBytes = 0): TestEvent[] =>
  Array.from({ length: count }, (_, n) => ({
    n,
    session: `session-${n % sessions}`,
    ...(padBytes ? { pad: 'x'.repeat(padBytes) } : {}),
  }));

/** The numbers of the events a connection received of one session, in arrival order. */
function numbersOf(poster: RecordingConnectionPoster, connectionId: string, session?: string): number[] {
  return (poster.deliveredEventsOf(connectionId) as TestEvent[])
    .filter((event) => session === undefined || event.session === session)
    .map((event) => event.n);
}

/** A context with this much time left, as Lambda passes it. */
const contextWith = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

describe('egress: batched frames (?batch=true)', () => {
  it('sends a batched subscriber JSON arrays holding every event once', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-batch', true);
    // Act
    const report = await fakes.egress(batch(events(10, 3)));
    // Assess
    expect(fakes.poster.eventsOf('sub-batch').every(Array.isArray)).toBe(true);
    expect(numbersOf(fakes.poster, 'sub-batch').sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(report).toMatchObject({ deliveries: 10, messages: 1 });
  });

  it('keeps one event per frame for a subscriber that did not ask for batches', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-single');
    await fakes.subscribe('sub-batch', true);
    // Act
    await fakes.egress(batch(events(5, 2)));
    // Assess
    expect(fakes.poster.eventsOf('sub-single')).toHaveLength(5);
    expect(fakes.poster.eventsOf('sub-single').some(Array.isArray)).toBe(false);
  });

  it('packs messages up to 32 KB, so 100 events of 1 KB take a handful of posts', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-batch', true);
    // Act
    const report = await fakes.egress(batch(events(100, 100, 1000)));
    // Assess
    const frames = fakes.poster.frames.get('sub-batch')!;
    expect(frames.every((frame) => Buffer.byteLength(frame) <= MAX_FRAME_BYTES)).toBe(true);
    expect(frames.length).toBeLessThanOrEqual(6);
    expect(report.deliveries).toBe(100);
  });

  it('sends an event larger than 32 KB alone, as an array of one', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-batch', true);
    const large = { n: 1, session: 'session-a', pad: 'y'.repeat(40 * 1024) };
    // Act
    await fakes.egress(batch([{ n: 0, session: 'session-a' }, large, { n: 2, session: 'session-a' }]));
    // Assess
    const frames = fakes.poster.eventsOf('sub-batch') as TestEvent[][];
    expect(frames.map((frame) => frame.map((event) => event.n))).toEqual([[0], [1], [2]]);
  });

  it('stores the frame mode the upgrade asked for with the connection', async () => {
    // Prepare
    const fakes = egressWithFakes();
    // Act
    await fakes.subscribe('sub-batch', true);
    await fakes.subscribe('sub-single');
    // Assess
    const stored = await fakes.connections.listByStream(ACCOUNT, 'demo');
    expect(stored.map((c) => [c.connectionId, c.batch])).toEqual([
      ['sub-batch', true],
      ['sub-single', undefined],
    ]);
  });
});

describe('egress: order and concurrency per connection', () => {
  it.each([
    ['one-event frames', false],
    ['batched frames', true],
  ])('delivers the events of each key link in record order (%s)', async (_mode, batched) => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub', batched);
    // Posts finish out of order: an early post may take longer than a later one.
    fakes.poster.latencyMs = (_id, frame) => {
      const parsed = JSON.parse(frame) as TestEvent | TestEvent[];
      return ((Array.isArray(parsed) ? parsed[0]! : parsed).n * 37) % 5;
    };
    // Act
    await fakes.egress(batch(events(120, 7, batched ? 3000 : 0)));
    // Assess
    for (let s = 0; s < 7; s++) {
      const numbers = numbersOf(fakes.poster, 'sub', `session-${s}`);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(numbers).toHaveLength(events(120, 7).filter((e) => e.session === `session-${s}`).length);
    }
  });

  it('posts the events of different key links to one connection at the same time', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub');
    fakes.poster.latencyMs = () => 2;
    // Act
    await fakes.egress(batch(events(40, 20)));
    // Assess
    expect(fakes.poster.maxInFlight).toBeGreaterThan(1);
    expect(fakes.poster.maxInFlight).toBeLessThanOrEqual(8);
  });

  it('posts the events of one key link one after another', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub');
    fakes.poster.latencyMs = () => 2;
    // Act
    await fakes.egress(batch(events(10, 1)));
    // Assess
    expect(fakes.poster.maxInFlight).toBe(1);
    expect(numbersOf(fakes.poster, 'sub')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('egress: throttled posts', () => {
  it('retries a throttled post with backoff and delivers it', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub');
    fakes.poster.throttle.set('sub', 2);
    // Act
    const report = await fakes.egress(batch(events(1, 1)));
    // Assess
    expect(report).toMatchObject({ deliveries: 1, throttled: 2, failedPosts: 0 });
    expect(fakes.sleeps).toHaveLength(2);
  });

  it('counts a post still throttled after the last attempt as failed, and logs it', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub');
    fakes.poster.throttle.set('sub', 100);
    // Act
    const report = await fakes.egress(batch(events(1, 1)));
    // Assess
    expect(report).toMatchObject({ deliveries: 0, failedPosts: 1, throttled: THROTTLED_POST_ATTEMPTS - 1 });
    expect(fakes.log.attributesOf('post to connection failed')).toEqual([
      { connectionId: 'sub', errorName: 'LimitExceededException' },
    ]);
  });
});

describe('egress: a subscriber that has just connected', () => {
  it('keeps a connection found gone while its $connect may still run, and serves it in the next batch', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-new');
    fakes.poster.gone.add('sub-new');
    const first = await fakes.egress(batch(events(2, 1)));
    fakes.poster.gone.delete('sub-new'); // $connect has returned: API Gateway takes posts now
    fakes.clock.now += 1000;
    // Act
    const second = await fakes.egress(batch(events(1, 1)));
    // Assess
    expect(first).toMatchObject({ connecting: 1, gone: 0 });
    expect(fakes.connections.connections.has('sub-new')).toBe(true);
    expect(second.deliveries).toBe(1);
  });

  it(`deletes a connection found gone ${CONNECT_GRACE_MS / 1000} s after it connected`, async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-old');
    fakes.poster.gone.add('sub-old');
    fakes.clock.now += CONNECT_GRACE_MS;
    // Act
    const report = await fakes.egress(batch(events(1, 1)));
    // Assess
    expect(report).toMatchObject({ gone: 1, connecting: 0 });
    expect(fakes.connections.connections.has('sub-old')).toBe(false);
  });
});

describe('egress: the time budget', () => {
  it('starts no post once the time left is within the reserve, counts what it left, and returns normally', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a');
    await fakes.subscribe('sub-b', true);
    // Act
    const report = await fakes.egress(batch(events(3, 1)), contextWith(TIME_RESERVE_MS - 1));
    // Assess
    expect(report).toMatchObject({ deliveries: 0, outOfTime: 6, failedPosts: 0 });
    expect(fakes.poster.posts).toEqual([]);
  });

  it('delivers normally while time is left', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a');
    // Act
    const report = await fakes.egress(batch(events(3, 1)), contextWith(60_000));
    // Assess
    expect(report).toMatchObject({ deliveries: 3, outOfTime: 0 });
  });
});

describe('egress: subscriber listings across batches', () => {
  it('lists a stream again only once it has gained a subscriber', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a');
    fakes.clock.now += SUBSCRIBER_INDEX_SETTLE_MS;
    await fakes.egress(batch(events(1, 1)));
    fakes.clock.now += 1000;
    await fakes.egress(batch(events(1, 1)));
    const listingsBefore = fakes.connections.calls.listByStream;
    await fakes.subscribe('sub-b');
    // Act
    const report = await fakes.egress(batch(events(1, 1)));
    // Assess
    expect(listingsBefore).toBe(1);
    expect(fakes.connections.calls.listByStream).toBe(2);
    expect(report.deliveries).toBe(2);
  });

  it('lists again at every batch while the index may not show a newcomer yet', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a');
    // Act
    await fakes.egress(batch(events(1, 1)));
    await fakes.egress(batch(events(1, 1)));
    // Assess
    expect(fakes.connections.calls.listByStream).toBe(2);
  });

  it('lists again after a subscriber was found gone', async () => {
    // Prepare
    const fakes = egressWithFakes();
    await fakes.subscribe('sub-a');
    await fakes.subscribe('sub-b');
    fakes.clock.now += CONNECT_GRACE_MS;
    fakes.poster.gone.add('sub-b');
    await fakes.egress(batch(events(1, 1)));
    // Act
    const report = await fakes.egress(batch(events(1, 1)));
    // Assess
    expect(fakes.connections.calls.listByStream).toBe(2);
    expect(report).toMatchObject({ deliveries: 1, gone: 0 });
  });
});
