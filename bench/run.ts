/**
 * `npm run bench [-- --suite <name>[,<name>…]]`: runs every suite in bench/suites/ (or the named ones),
 * prints a table and writes bench/results/latest.json. With a filter, rows of suites not run are kept from
 * the previous latest.json.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BenchRow, type BenchSuite, formatTable } from './harness';

const SUITES_DIR = join(__dirname, 'suites');
const RESULTS_DIR = join(__dirname, 'results');
const RESULTS_FILE = join(RESULTS_DIR, 'latest.json');

function parseSuiteFilter(argv: readonly string[]): Set<string> | undefined {
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--suite' || arg === '-s') {
      const value = argv[++i];
      if (!value) throw new Error('--suite needs a suite name');
      names.push(...value.split(','));
    } else if (arg.startsWith('--suite=')) {
      names.push(...arg.slice('--suite='.length).split(','));
    } else {
      throw new Error(`unknown argument ${arg} (usage: npm run bench -- [--suite <name>])`);
    }
  }
  return names.length ? new Set(names.map((n) => n.trim()).filter(Boolean)) : undefined;
}

function isSuite(value: unknown): value is BenchSuite {
  const s = value as BenchSuite | undefined;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && typeof s.run === 'function';
}

async function loadSuites(): Promise<{ file: string; suite: BenchSuite }[]> {
  const files = readdirSync(SUITES_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
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
  if (!existsSync(RESULTS_FILE)) return [];
  try {
    const rows = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as unknown;
    return Array.isArray(rows) ? (rows as BenchRow[]) : [];
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  const filter = parseSuiteFilter(process.argv.slice(2));
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
  writeFileSync(RESULTS_FILE, `${JSON.stringify(output, null, 2)}\n`);
  console.error(`wrote ${RESULTS_FILE}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
