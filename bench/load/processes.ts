import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { join } from 'node:path';
import type { LoadPlan, LoadReport } from './load-client';

/**
 * Bench processes: the load client (and the limit server) run in processes of their own, optionally
 * pinned to one core with `taskset`, so that "one core serves, the other loads" is what is measured.
 */

/** Pins every thread of a process to one core; false when taskset is not there. */
export function pinToCore(pid: number, core: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-pc', String(core), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Forks a TypeScript module of bench/ (through tsx) with IPC. */
export function forkBenchModule(relativePath: string, args: string[] = []): ChildProcess {
  return fork(join(__dirname, '..', relativePath), args, {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Runs a load plan in a client process of its own (pinned to `core` when given) and returns its report. */
export function runLoad(plan: LoadPlan, core?: number): Promise<LoadReport> {
  const child = forkBenchModule('load/load-client.ts');
  if (core !== undefined) pinToCore(child.pid!, core);
  return new Promise((resolve, reject) => {
    child.once('message', (report) => resolve(report as LoadReport));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load client exited with ${code}`));
    });
    child.send(plan);
  });
}
