import { join, sep } from 'node:path';
import { findProjectRoot } from '../lib/project-root';
import { FUNCTION_NAMES, type FunctionName, TOPOLOGY } from '../lib/topology';
import { type FunctionBundle, readFunctionBundles } from './cdk-bundles';
import type { LambdaHandler } from './lambda-invoke';
import { startLambdaWorker } from './lambda-worker';
import { localFunctionName } from './local-names';

/**
 * The topology's functions in the local stack: each in its own worker thread with its own environment,
 * running either the TypeScript sources or the bundles `cdk synth` produced, started in parallel.
 */

/** One handler per topology function. */
export type LocalHandlers = Readonly<Record<FunctionName, LambdaHandler>>;

/** Which code the functions run. */
export type FunctionCode =
  /** lambdas/handlers/*.ts through tsx (`npm start`). */
  | { kind: 'source' }
  /** The synthesised bundles of a cloud assembly, as plain JavaScript (`npm start -- --bundles cdk.out`). */
  | { kind: 'bundles'; cloudAssembly: string }
  /** Test hook: functions of the calling process, sharing its environment. */
  | { kind: 'in-process'; handlers: LocalHandlers };

export interface LocalFunctions {
  readonly handlers: LocalHandlers;
  readonly code: FunctionCode['kind'];
  /** Per function, every file it has loaded so far (functions in workers only). */
  loadedModules(): Promise<Partial<Record<FunctionName, string[]>>>;
  stop(): Promise<void>;
}

export interface LocalFunctionsOptions {
  code: FunctionCode;
  /** The whole environment of a function's worker. */
  envOf: (name: FunctionName) => Record<string, string>;
  log?: (line: string) => void;
}

/** Throws unless every file a function loaded is JavaScript inside its bundle's asset directory. */
export function assertBundleOnly(name: FunctionName, files: readonly string[], bundle: FunctionBundle): void {
  const foreign = files.filter((f) => !f.startsWith(bundle.assetDir + sep) || /\.[cm]?tsx?$/.test(f));
  if (foreign.length > 0) throw new Error(`${name} loaded modules outside its bundle: ${foreign.join(', ')}`);
}

interface FunctionEntry {
  entry: string;
  exportName: string;
  /** Bundle mode: the asset the function must stay inside. */
  bundle?: FunctionBundle;
}

/** A record with one value per topology function. */
export const byFunction = <T>(value: (name: FunctionName) => T): Record<FunctionName, T> =>
  Object.fromEntries(FUNCTION_NAMES.map((name) => [name, value(name)])) as Record<FunctionName, T>;

function entriesOf(code: Exclude<FunctionCode, { kind: 'in-process' }>): Record<FunctionName, FunctionEntry> {
  if (code.kind === 'bundles') {
    const bundles = readFunctionBundles(code.cloudAssembly);
    return byFunction((name) => ({ ...bundles[name], bundle: bundles[name] }));
  }
  const root = findProjectRoot(__dirname);
  return byFunction((name) => ({ entry: join(root, TOPOLOGY.functions[name].entry), exportName: 'handler' }));
}

async function startWorkers(
  opts: LocalFunctionsOptions,
  code: Exclude<FunctionCode, { kind: 'in-process' }>,
) {
  const entries = entriesOf(code);
  const started = await Promise.allSettled(
    FUNCTION_NAMES.map(async (name) => {
      const spec = TOPOLOGY.functions[name];
      const worker = await startLambdaWorker({
        functionName: localFunctionName(name),
        entry: entries[name].entry,
        exportName: entries[name].exportName,
        env: opts.envOf(name),
        mode: code.kind === 'bundles' ? 'bundle' : 'source',
        memoryMb: spec.memoryMb,
        timeoutMs: spec.timeoutSeconds * 1000,
        log: opts.log,
      });
      const bundle = entries[name].bundle;
      if (bundle) assertBundleOnly(name, await worker.loadedModules(), bundle);
      return worker;
    }),
  );
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await Promise.all(workers.map((w) => w.stop()));
    throw failure.reason;
  }
  return byFunction((name) => workers[FUNCTION_NAMES.indexOf(name)]!);
}

/** Starts every topology function (all workers at once); on a failure none is left running. */
export async function startLocalFunctions(opts: LocalFunctionsOptions): Promise<LocalFunctions> {
  const { code } = opts;
  if (code.kind === 'in-process') {
    return {
      handlers: code.handlers,
      code: code.kind,
      loadedModules: async () => ({}),
      stop: async () => undefined,
    };
  }
  const workers = await startWorkers(opts, code);
  return {
    handlers: byFunction((name) => workers[name].handler),
    code: code.kind,
    async loadedModules() {
      const files = await Promise.all(FUNCTION_NAMES.map((n) => workers[n].loadedModules()));
      return Object.fromEntries(FUNCTION_NAMES.map((n, i) => [n, files[i]!]));
    },
    stop: async () => {
      await Promise.all(Object.values(workers).map((w) => w.stop()));
    },
  };
}
