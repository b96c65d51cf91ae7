import {
  decrypterDidAll,
  egressCounts,
  meanBytes,
  shardRate,
  type TimedBatch,
} from '../../../bench/aws-sim/batch-summary';

function batch(durationMs: number, cpuMs: number, line?: Record<string, unknown>): TimedBatch {
  return { durationMs, cpuMs, logs: line ? [{ level: 'INFO', ...line }] : [] };
}

/** What the aws-sim suite computes from timed invocations, on invocations whose answers are known. */
describe('aws-sim batch summary', () => {
  it('rates a shard as records per batch over the median batch duration', () => {
    // Prepare
    const batches = [batch(400, 90), batch(200, 10), batch(250, 50)];

    // Act
    const rate = shardRate(batches, 200);

    // Assess
    expect(rate).toEqual({ durationMs: 250, cpuMs: 50, recordsPerSec: 800 });
  });

  it('refuses to rate no batches at all', () => {
    // Act
    const rating = () => shardRate([], 200);

    // Assess
    expect(rating).toThrow('no batches');
  });

  it('accepts a decrypter batch that processed every record and wrote every output', () => {
    // Prepare
    const done = batch(10, 5, { message: 'batch processed', records: 200, processed: 200, written: 400 });

    // Act
    const checking = () => decrypterDidAll(done, 200, 2);

    // Assess
    expect(checking).not.toThrow();
  });

  it('refuses a decrypter batch that stopped early, so that it cannot pass for a fast one', () => {
    // Prepare
    const stopped = batch(10, 5, { message: 'batch processed', records: 200, processed: 150, written: 300 });

    // Act
    const checking = () => decrypterDidAll(stopped, 200, 2);

    // Assess
    expect(checking).toThrow('processed 150/200 records, wrote 300/400');
  });

  it('refuses a batch without its INFO line', () => {
    // Act
    const checking = () => decrypterDidAll(batch(10, 5), 200, 2);

    // Assess
    expect(checking).toThrow('no "batch processed" line');
  });

  it("reads egress's counts next to records × subscribers", () => {
    // Prepare
    const line = { message: 'batch delivered', deliveries: 9_000, messages: 400, outOfTime: 1_000 };

    // Act
    const counts = egressCounts(batch(10, 5, line), 100, 100);

    // Assess
    expect(counts).toEqual({ deliveries: 9_000, messages: 400, outOfTime: 1_000, expected: 10_000 });
  });

  it('takes the rounded mean size of counted items, and 0 of none', () => {
    // Act
    const sizes = [meanBytes(2_621, 2), meanBytes(0, 0)];

    // Assess
    expect(sizes).toEqual([1_311, 0]);
  });
});
