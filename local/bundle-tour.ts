import './sdk-warning-off';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { FUNCTION_NAMES } from '../lib/topology';
import { readFunctionBundles } from './cdk-bundles';
import { assertBundleOnly } from './local-functions';
import { startLocalStack } from './stack';
import { runTour, type StrmEvent, TOUR_DERIVED } from './tour';

/**
 * `npm run tour:bundles` (a CI step after `cdk synth`): the local stack running the Lambda bundles of
 * the cloud assembly — the files `cdk deploy` ships — and the README tour through them. Fails unless every
 * event is delivered where the consent rules put it and every function loaded nothing but its bundle.
 */

const cumulativeIncludes = (level: number, e: StrmEvent) =>
  e.strmMeta.consentLevels.length > 0 && Math.max(...e.strmMeta.consentLevels) >= level;

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
  console.log(`  ok  ${what}`);
}

async function tourThroughBundles(cloudAssembly: string, events: number): Promise<void> {
  const bundles = readFunctionBundles(cloudAssembly);
  const dataDir = mkdtempSync(join(tmpdir(), 'privacy-streams-bundles-'));
  const configDir = mkdtempSync(join(tmpdir(), 'privacy-streams-bundles-cli-'));
  const started = performance.now();
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    bundles: cloudAssembly,
    quiet: true,
    log: () => undefined,
  });
  try {
    console.log(
      `local stack on ${stack.apiUrl} running the bundles of ${cloudAssembly} (${Math.round(performance.now() - started)} ms to start)`,
    );
    check(stack.code === 'bundles', 'the functions run the synthesised bundles');
    const tour = await runTour({ apiUrl: stack.apiUrl, configDir, events, intervalMs: 20 });
    check(tour.source.length === events, `the source stream delivered all ${events} events`);
    TOUR_DERIVED.forEach((name, level) => {
      const expected = tour.source.filter((e) => cumulativeIncludes(level, e)).length;
      check(
        tour.derived[name].length === expected,
        `${name} delivered exactly its ${expected} included events`,
      );
    });
    const loaded = await stack.loadedModules();
    for (const name of FUNCTION_NAMES) {
      const files = loaded[name] ?? [];
      assertBundleOnly(name, files, bundles[name]);
      check(
        files.length > 0,
        `${name} loaded only ${files.map((f) => relative(resolve(cloudAssembly), f)).join(', ')}`,
      );
    }
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  }
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

const options = new Command()
  .name('npm run tour:bundles --')
  .description('Run the README tour through the Lambda bundles of a cloud assembly')
  .option('--bundles <dir>', 'the cloud assembly (output of `npx cdk synth`)', 'cdk.out')
  .option('--events <n>', 'how many events the simulator sends', parseCount, 20)
  .parse()
  .opts<{ bundles: string; events: number }>();

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
tourThroughBundles(options.bundles, options.events).then(
  () => {
    console.log('tour through the bundles: passed');
    process.exit(0);
  },
  (err: unknown) => {
    console.error(`tour through the bundles: FAILED: ${(err as Error)?.message ?? String(err)}`);
    process.exit(1);
  },
);
