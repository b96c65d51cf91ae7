/**
 * `npm run bench [-- [--quick] [--suite <name>[,<name>…]]]`: runs every suite in bench/suites/ (or the
 * named ones) — `limit` first, then `local-stack` (its rates also as ratios to `limit`'s of the same run),
 * then `aws-sim`, then the rest — prints one table and writes bench/results/latest.json. With a filter,
 * rows of suites not run are kept from the previous latest.json. `--quick` (or `BENCH_QUICK=1`): shorter
 * phases, a smoke check only; its rows go to bench/results/quick.json instead.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchRow, type BenchSuite, formatTable, isQuick } from './harness';

const SUITES_DIR = join(__dirname, 'suites');
const RESULTS_DIR = join(__dirname, 'results');
/** The suites that run first, in this order (the ratios of later ones read the rows of earlier ones). */
const FIRST = ['limit', 'local-stack', 'aws-sim'];

function resultsFile(): string {
  return join(RESULTS_DIR, isQuick() ? 'quick.json' : 'latest.json');
}

function parseArguments(argv: readonly string[]): { filter?: Set<string>; quick: boolean } {
  const names: string[] = [];
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick' || arg === '-q') {
      quick = true;
    } else if (arg === '--suite' || arg === '-s') {
      const value = argv[++i];
      if (!value) throw new Error('--suite needs a suite name');
      names.push(...value.split(','));
    } else if (arg.startsWith('--suite=')) {
      names.push(...arg.slice('--suite='.length).split(','));
    } else {
      throw new Error(`unknown argument ${arg} (usage: npm run bench -- [--quick] [--suite <name>])`);
    }
  }
  const filter = names.length ? new Set(names.map((n) => n.trim()).filter(Boolean)) : undefined;
  return { filter, quick };
}

/** Position of a suite in the run: FIRST's order, then the others by file name. */
function runOrder(file: string): number {
  const at = FIRST.indexOf(file);
  return at === -1 ? FIRST.length : at;
}

function isSuite(value: unknown): value is BenchSuite {
  const s = value as BenchSuite | undefined;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.run === 'function';
}

async function loadSuites(): Promise<{ file: string; suite: BenchSuite }[]> {
  const files = readdirSync(SUITES_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
    .sort((a, b) => runOrder(basename(a, '.ts')) - runOrder(basename(b, '.ts')));
  const loaded: { file: string; suite: BenchSuite }[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(SUITES_DIR, file)).href)) as Record<string, unknown>;
    const suite = mod.suite ?? (mod.default as Record<string, unknown> | undefined)?.suite;
    if (!isSuite(suite)) throw new Error(`bench/suites/${file} does not export \`suite: { name, run() }\``);
    loaded.push({ file: basename(file, '.ts'), suite });
  }
  return loaded;
}

function previousRows(): BenchRow[] {
  if (!existsSync(resultsFile())) return [];
  try {
    const rows = JSON.parse(readFileSync(resultsFile(), 'utf8')) as unknown;
    return Array.isArray(rows) ? (rows as BenchRow[]) : [];
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const { filter, quick } = parseArguments(process.argv.slice(2));
  // An environment variable, so that the processes the suites fork run quick too.
  if (quick) process.env.BENCH_QUICK = '1';
  if (isQuick()) console.error('quick mode: a smoke check, not numbers to compare');
  const all = await loadSuites();
  const selected = filter ? all.filter(({ file, suite }) => filter.has(suite.name) || filter.has(file)) : all;
  if (filter) {
    const known = new Set(all.flatMap(({ file, suite }) => [file, suite.name]));
    const unknown = [...filter].filter((n) => !known.has(n));
    if (unknown.length)
      throw new Error(
        `no such suite: ${unknown.join(', ')} (have: ${all.map((s) => s.suite.name).join(', ')})`,
      );
  }

  const rows: BenchRow[] = [];
  for (const { suite } of selected) {
    console.error(`running ${suite.name} …`);
    rows.push(...(await suite.run(rows)));
  }
  console.log(formatTable(rows));

  const ran = new Set(selected.map(({ suite }) => suite.name));
  const kept = filter ? previousRows().filter((r) => !ran.has(r.suite)) : [];
  const round1 = (n: number) => Math.round(n * 10) / 10;
  const output = [...kept, ...rows].map(
    ({ suite, case: name, opsPerSec, baseline, ratio, p50Ms, p99Ms }) => ({
      suite,
      case: name,
      opsPerSec: Math.round(opsPerSec),
      ...(baseline === undefined
        ? {}
        : { baseline: Math.round(baseline), ratio: Math.round((ratio ?? 0) * 100) / 100 }),
      ...(p50Ms === undefined ? {} : { p50Ms: round1(p50Ms) }),
      ...(p99Ms === undefined ? {} : { p99Ms: round1(p99Ms) }),
    }),
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(resultsFile(), `${JSON.stringify(output, null, 2)}\n`);
  console.error(`wrote ${resultsFile()}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
