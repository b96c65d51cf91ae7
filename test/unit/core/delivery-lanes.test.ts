import {
  MAX_FRAME_BYTES,
  MAX_LANES_PER_CONNECTION,
  type OutgoingEvent,
  packMessages,
  planDelivery,
} from '../../../lambdas/core/delivery-lanes';

/** `count` events of about `bytes` bytes each, spread over `keys` key links in turn. */
function events(count: number, keys: number, bytes = 20): OutgoingEvent[] {
  return Array.from({ length: count }, (_, n) => {
    const text = JSON.stringify({ n, pad: 'x'.repeat(Math.max(0, bytes - 20)) });
    return { text, bytes: Buffer.byteLength(text), orderKey: `link-${n % keys}` };
  });
}

/** The `n` of every event a lane's messages carry, in posting order. */
function numbers(lane: { text: string }[]): number[] {
  return lane.flatMap((message) => {
    const parsed = JSON.parse(message.text) as { n: number } | { n: number }[];
    return (Array.isArray(parsed) ? parsed : [parsed]).map((event) => event.n);
  });
}

describe('planDelivery: one-event frames', () => {
  it('makes one message per event, each the event text itself', () => {
    // Act
    const lanes = planDelivery(events(3, 1), false);
    // Assess
    expect(lanes).toEqual([
      [
        { text: '{"n":0,"pad":""}', events: 1 },
        { text: '{"n":1,"pad":""}', events: 1 },
        { text: '{"n":2,"pad":""}', events: 1 },
      ],
    ]);
  });

  it(`uses a lane per key link, at most ${MAX_LANES_PER_CONNECTION}`, () => {
    // Act
    const few = planDelivery(events(9, 3), false);
    const many = planDelivery(events(100, 50), false);
    // Assess
    expect(few).toHaveLength(3);
    expect(many).toHaveLength(MAX_LANES_PER_CONNECTION);
  });

  it('puts every event of a key link in one lane, in record order, and every event exactly once', () => {
    // Act
    const lanes = planDelivery(events(100, 13), false);
    // Assess
    const all = lanes.flatMap(numbers);
    expect([...all].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, n) => n));
    for (const lane of lanes) {
      const lanesNumbers = numbers(lane);
      expect(lanesNumbers).toEqual([...lanesNumbers].sort((a, b) => a - b));
      const keys = new Set(lanesNumbers.map((n) => n % 13));
      for (const other of lanes.filter((l) => l !== lane)) {
        expect(numbers(other).some((n) => keys.has(n % 13))).toBe(false);
      }
    }
  });

  it('balances the lanes by the number of events', () => {
    // Act
    const lanes = planDelivery(events(80, 80), false);
    // Assess
    expect(lanes.map((lane) => lane.length)).toEqual(new Array(8).fill(10));
  });
});

describe('planDelivery: batched frames', () => {
  it('uses one lane while the events fit in one frame', () => {
    // Act
    const lanes = planDelivery(events(50, 50, 200), true);
    // Assess
    expect(lanes).toHaveLength(1);
    expect(lanes[0]).toHaveLength(1);
    expect(lanes[0]![0]!.events).toBe(50);
  });

  it('spreads a batch of 100 KB over about as many lanes as 32 KB frames it fills', () => {
    // Act
    const lanes = planDelivery(events(100, 100, 1000), true);
    // Assess
    expect(lanes.length).toBe(4);
    expect(lanes.flat().length).toBeLessThanOrEqual(5);
    expect(lanes.flat().every((message) => Buffer.byteLength(message.text) <= MAX_FRAME_BYTES)).toBe(true);
  });
});

describe('packMessages', () => {
  it('packs events into JSON arrays of at most 32 KB, in order', () => {
    // Act
    const messages = packMessages(events(100, 1, 1000));
    // Assess
    expect(messages.every((message) => Buffer.byteLength(message.text) <= MAX_FRAME_BYTES)).toBe(true);
    expect(numbers(messages)).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(messages.length).toBe(Math.ceil((100 * 1001) / MAX_FRAME_BYTES));
  });

  it('sends an event over 32 KB in a message of its own', () => {
    // Prepare
    const [small, big] = [events(1, 1, 100)[0]!, events(1, 1, 40_000)[0]!];
    // Act
    const messages = packMessages([small, big, small]);
    // Assess
    expect(messages.map((message) => message.events)).toEqual([1, 1, 1]);
  });
});
