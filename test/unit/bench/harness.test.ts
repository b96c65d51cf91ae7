import {
  compare,
  formatTable,
  fullOrQuick,
  isQuick,
  measure,
  median,
  percentile,
} from '../../../bench/harness';

/** The bench harness's arithmetic, on inputs whose answers are known (nothing here is timed). */
describe('bench harness', () => {
  const quickBefore = process.env.BENCH_QUICK;
  afterEach(() => {
    if (quickBefore === undefined) delete process.env.BENCH_QUICK;
    else process.env.BENCH_QUICK = quickBefore;
  });

  it('takes the middle value of an odd sample and the mean of the two middle ones of an even one', () => {
    // Prepare
    const odd = [9, 1, 5];
    const even = [4, 1, 3, 2];

    // Act
    const medians = [median(odd), median(even)];

    // Assess
    expect(medians).toEqual([5, 2.5]);
  });

  it('takes percentiles by nearest rank, and none of an empty sample', () => {
    // Prepare
    const sample = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted

    // Act
    const taken = [
      percentile(sample, 0.5),
      percentile(sample, 0.99),
      percentile(sample, 1),
      percentile([], 0.5),
    ];

    // Assess
    expect(taken).toEqual([50, 99, 100, undefined]);
  });

  it('calls the measured function exactly maxIterations times when that ends the measurement first', () => {
    // Prepare
    let calls = 0;
    const counted = () => calls++;

    // Act
    const opsPerSec = measure(counted, { warmupMs: 0, durationMs: 60_000, maxIterations: 1_000 });

    // Assess
    expect(calls).toBe(1_000);
    expect(opsPerSec).toBeGreaterThan(0);
  });

  it('reports ours over the baseline as the ratio of the two medians', () => {
    // Prepare
    const options = { rounds: 3, warmupMs: 0, roundMs: 60_000, maxIterations: 10 };

    // Act
    const result = compare(
      () => 1,
      () => 2,
      options,
    );

    // Assess
    expect(result.ratio).toBeCloseTo(result.opsPerSec / result.baseline, 10);
  });

  it('picks the full value by default and the quick one under BENCH_QUICK=1', () => {
    // Prepare
    delete process.env.BENCH_QUICK;
    const full = [isQuick(), fullOrQuick(5_000, 1_000)];

    // Act
    process.env.BENCH_QUICK = '1';
    const quick = [isQuick(), fullOrQuick(5_000, 1_000)];

    // Assess
    expect(full).toEqual([false, 5_000]);
    expect(quick).toEqual([true, 1_000]);
  });

  it('prints a row with its rate, baseline, ratio and percentiles in aligned columns', () => {
    // Prepare
    const rows = [
      {
        suite: 'limit',
        case: 'a',
        opsPerSec: 12_345.6,
        baseline: 1_000,
        ratio: 12.3456,
        p50Ms: 1.26,
        p99Ms: 9,
      },
      { suite: 'aws-sim', case: 'record size', opsPerSec: 1_360 },
    ];

    // Act
    const lines = formatTable(rows).split('\n');

    // Assess
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^limit\s+a\s+12,346\s+1,000\s+12\.35x\s+1\.3\s+9\.0$/);
    expect(lines[3]).toMatch(/^aws-sim\s+record size\s+1,360\s*$/);
    expect(new Set(lines.map((line) => line.trimEnd().length <= lines[0]!.length))).toEqual(new Set([true]));
  });
});
