import {
  type CostInputs,
  costPerMillion,
  lambdaMs,
  PRICES,
  provisionedCostPerMillion,
} from '../../../bench/aws-sim/cost-model';

const timing = (durationMs: number, cpuMs: number) => ({ durationMs, cpuMs });

/** Measurements with round numbers, so the expected dollars can be worked out by hand. */
const inputs: CostInputs = {
  sourceRecordBytes: 1_360,
  derivedRecordBytes: 1_310,
  ingest: {
    memoryMb: 512,
    single: { known: timing(21, 1), fresh: timing(31, 1) },
    batch: { known: timing(24, 4), fresh: timing(44, 4), batchSize: 100 },
  },
  decrypter: { memoryMb: 1_024, batch: timing(240, 100), batchSize: 200 },
  egress: {
    memoryMb: 512,
    batchSize: 100,
    oneEvent: timing(268, 100),
    batched: timing(63, 15),
    batchedMessages: 4,
  },
};

const usdOf = (lines: { item: string; usd: number }[], item: string) =>
  lines.find((l) => l.item === item)?.usd;

describe('bench cost model', () => {
  it('bills the waiting as measured and the CPU slowed to the vCPU share of the memory', () => {
    // Act
    const billed = [
      lambdaMs(timing(30, 10), 512),
      lambdaMs(timing(30, 10), 1_769),
      lambdaMs(timing(30, 10), 3_008),
    ];

    // Assess: 20 ms waiting + 10 ms × 1,769/512 = 54.55 → 55; a full vCPU or more: as measured
    expect(billed).toEqual([55, 30, 30]);
  });

  it('counts one HTTP request per event for single ingest and one per 100 for batched ingest', () => {
    // Act
    const single = costPerMillion(inputs, { batchedIngest: false, batchedFrames: false });
    const batched = costPerMillion(inputs, { batchedIngest: true, batchedFrames: false });

    // Assess
    expect(usdOf(single.lines, 'HTTP API requests')).toBeCloseTo(1.0, 10);
    expect(usdOf(batched.lines, 'HTTP API requests')).toBeCloseTo(0.01, 10);
  });

  it('counts one WebSocket message per event, or the measured messages per batch with batched frames', () => {
    // Act
    const oneEvent = costPerMillion(inputs, { batchedIngest: true, batchedFrames: false });
    const batched = costPerMillion(inputs, { batchedIngest: true, batchedFrames: true });

    // Assess
    expect(usdOf(oneEvent.lines, 'WebSocket messages')).toBeCloseTo(1.0, 10);
    expect(usdOf(batched.lines, 'WebSocket messages')).toBeCloseTo(0.04, 10);
  });

  it('bills Kinesis ingest per record rounded up to 1 KB and reads by bytes per reader', () => {
    // Act
    const { lines } = costPerMillion(inputs, { batchedIngest: true, batchedFrames: true });

    // Assess: 2 KB + 2 KB per event; reads 3 × 1,360 + 2 × 1,310 bytes per event
    expect(usdOf(lines, 'Kinesis in')).toBeCloseTo(((1e6 * 4 * 1024) / 1024 ** 3) * 0.08, 10);
    expect(usdOf(lines, 'Kinesis out')).toBeCloseTo(((1e6 * (3 * 1_360 + 2 * 1_310)) / 1024 ** 3) * 0.04, 10);
  });

  it('bills Lambda per request and per GB-second of the billed time', () => {
    // Act
    const { lines } = costPerMillion(inputs, { batchedIngest: false, batchedFrames: false });

    // Assess: 1 M ingest requests of 0.9 × 21 + 0.1 × 31 = 22 ms, 1 ms of it CPU: 21 + 1 × 1,769/512 → 25 ms at 0.5 GB
    const waiting = 21;
    const billedMs = Math.ceil(waiting + 1 * (1_769 / 512));
    expect(usdOf(lines, 'Lambda ingest')).toBeCloseTo(
      0.2 + 1e6 * (billedMs / 1000) * 0.5 * PRICES.lambdaPerGbSecond,
      10,
    );
  });

  it('bills DynamoDB per new session and per decrypter batch', () => {
    // Act
    const { lines } = costPerMillion(inputs, { batchedIngest: true, batchedFrames: true });

    // Assess: 100,000 new sessions × (2 writes + 2 reads), 5,000 usage writes
    expect(usdOf(lines, 'DynamoDB')).toBeCloseTo((205_000 / 1e6) * 0.625 + (200_000 / 1e6) * 0.125, 10);
  });

  it('totals its lines', () => {
    // Act
    const { lines, total } = costPerMillion(inputs, { batchedIngest: false, batchedFrames: true });

    // Assess
    expect(total).toBeCloseTo(
      lines.reduce((sum, line) => sum + line.usd, 0),
      10,
    );
  });

  it('replaces the per-GB Kinesis charges by one PUT payload unit per record with provisioned streams', () => {
    // Prepare
    const scenario = { batchedIngest: true, batchedFrames: true };
    const { lines, total } = costPerMillion(inputs, scenario);
    const kinesis = (usdOf(lines, 'Kinesis in') ?? 0) + (usdOf(lines, 'Kinesis out') ?? 0);

    // Act
    const provisioned = provisionedCostPerMillion(inputs, scenario);

    // Assess
    expect(provisioned).toBeCloseTo(total - kinesis + 2 * 0.014, 10);
  });
});
