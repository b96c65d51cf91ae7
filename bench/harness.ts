/**
 * A small benchmark harness: ops/sec of synchronous functions, measured in the same process, with the case
 * and its baseline run in interleaved rounds and the median taken, so machine noise hits both alike.
 */

/** One line of the results table and of bench/results/latest.json. */
export interface BenchRow {
  suite: string;
  case: string;
  opsPerSec: number;
  /** The baseline's ops/sec, only for cases measured side by side. */
  baseline?: number;
  /** opsPerSec / baseline. */
  ratio?: number;
  /** Latency percentiles, for cases that measure a round trip (milliseconds). */
  p50Ms?: number;
  p99Ms?: number;
}

/** A benchmark suite: each module in bench/suites/ exports one as `suite`. */
export interface BenchSuite {
  name: string;
  /** `rowsSoFar`: the rows of the suites that ran before it in this run (for ratios side by side). */
  run(rowsSoFar?: readonly BenchRow[]): Promise<BenchRow[]>;
}

export interface MeasureOptions {
  /** Time spent running the function before measuring (JIT warm-up). Default 100 ms. */
  warmupMs?: number;
  /** Measuring stops after this long … Default 1000 ms (200 in quick mode). */
  durationMs?: number;
  /** … or after this many calls, whichever comes first. */
  maxIterations?: number;
}

export interface CompareOptions {
  /** Interleaved rounds ours/baseline; the median of each side is reported. Default 5 (3 quick). */
  rounds?: number;
  /** Measuring time of one side in one round. Default 400 ms (100 quick). */
  roundMs?: number;
  warmupMs?: number;
  maxIterations?: number;
}

/**
 * Quick mode (`npm run bench -- --quick`, or `BENCH_QUICK=1`): every suite runs shorter phases and fewer
 * rounds — a smoke check that the suites work end to end, not numbers to compare or report.
 */
export function isQuick(): boolean {
  return process.env.BENCH_QUICK === '1';
}

/** `full`, or `quick` in quick mode. */
export function fullOrQuick<T>(full: T, quick: T): T {
  return isQuick() ? quick : full;
}

/** Keeps results reachable so the JIT cannot drop the measured work. */
let sink: unknown;

/** The last value a measured function returned (read it to keep the work observable). */
export function benchSink(): unknown {
  return sink;
}

function runFor(fn: () => unknown, ms: number, maxIterations: number): { ops: number; seconds: number } {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(ms * 1e6));
  let ops = 0;
  let batch = 1;
  let now = start;
  // Batches grow until one takes ~1 ms, so reading the clock costs nothing next to the work.
  while (now < deadline && ops < maxIterations) {
    const n = Math.min(batch, maxIterations - ops);
    for (let i = 0; i < n; i++) sink = fn();
    ops += n;
    const after = process.hrtime.bigint();
    if (after - now < 1_000_000n) batch *= 2;
    now = after;
  }
  return { ops, seconds: Number(now - start) / 1e9 };
}

/** Ops/sec of `fn`: a warm-up, then calls for `durationMs` or `maxIterations`, whichever ends first. */
export function measure(fn: () => unknown, options: MeasureOptions = {}): number {
  const {
    warmupMs = 100,
    durationMs = fullOrQuick(1000, 200),
    maxIterations = Number.MAX_SAFE_INTEGER,
  } = options;
  runFor(fn, warmupMs, maxIterations);
  const { ops, seconds } = runFor(fn, durationMs, maxIterations);
  return seconds > 0 ? ops / seconds : 0;
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Measures `ours` and `baseline` in alternating rounds; returns both medians and ours/baseline. */
export function compare(
  ours: () => unknown,
  baseline: () => unknown,
  options: CompareOptions = {},
): { opsPerSec: number; baseline: number; ratio: number } {
  const {
    rounds = fullOrQuick(5, 3),
    roundMs = fullOrQuick(400, 100),
    warmupMs = 100,
    maxIterations,
  } = options;
  const oursRuns: number[] = [];
  const baselineRuns: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const opts = { warmupMs: r === 0 ? warmupMs : 10, durationMs: roundMs, maxIterations };
    // Alternate who goes first, so neither side always runs on a colder or hotter machine.
    if (r % 2 === 0) {
      oursRuns.push(measure(ours, opts));
      baselineRuns.push(measure(baseline, opts));
    } else {
      baselineRuns.push(measure(baseline, opts));
      oursRuns.push(measure(ours, opts));
    }
  }
  const opsPerSec = median(oursRuns);
  const base = median(baselineRuns);
  return { opsPerSec, baseline: base, ratio: base > 0 ? opsPerSec / base : 0 };
}

/** A row for a case measured side by side with a baseline. */
export function comparedRow(
  suite: string,
  name: string,
  ours: () => unknown,
  baseline: () => unknown,
  options?: CompareOptions,
): BenchRow {
  return { suite, case: name, ...compare(ours, baseline, options) };
}

/** A row for a case measured alone. */
export function soloRow(suite: string, name: string, fn: () => unknown, options?: MeasureOptions): BenchRow {
  return { suite, case: name, opsPerSec: measure(fn, options) };
}

/** The p-th percentile (0..1) of a sample, by nearest rank; undefined for an empty sample. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** The rows as an aligned text table. */
export function formatTable(rows: readonly BenchRow[]): string {
  const fmt = (n: number | undefined, digits = 0) =>
    n === undefined
      ? ''
      : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const cells = [
    ['suite', 'case', 'ops/s', 'baseline ops/s', 'ratio', 'p50 ms', 'p99 ms'],
    ...rows.map((r) => [
      r.suite,
      r.case,
      fmt(r.opsPerSec),
      fmt(r.baseline),
      r.ratio === undefined ? '' : `${fmt(r.ratio, 2)}x`,
      fmt(r.p50Ms, 1),
      fmt(r.p99Ms, 1),
    ]),
  ];
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row: string[]) =>
    row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join(
    '\n',
  );
}
