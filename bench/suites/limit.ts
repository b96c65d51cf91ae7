import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { type BenchRow, type BenchSuite, fullOrQuick } from '../harness';
import type { LoadPlan } from '../load/load-client';
import { forkBenchModule, pinToCore, runLoad } from '../load/processes';

/**
 * `limit`: the hardware's ceiling on this machine for ingest's own work. A bare node:http server on one
 * core (bench/limit/limit-server.ts: the core's parse + validate + seal, nothing stored) is loaded from the
 * other core by the bench's load client: single-event POSTs, and 100 events per POST. The local-stack
 * suite reports its rates as ratios to these, measured in the same run.
 */

const NAME = 'limit';
export const LIMIT_SINGLE_CASE = 'bare node:http, 1 core: POST /event parse + validate + seal (events/s)';
export const LIMIT_BATCH_CASE =
  'bare node:http, 1 core: POST /events × 100 parse + validate + seal (events/s)';
const DURATION_MS = fullOrQuick(5_000, 1_000);
const WARMUP_MS = fullOrQuick(1_000, 300);

async function serverCpuMicros(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/cpu`);
  return ((await response.json()) as { cpuMicros: number }).cpuMicros;
}

/** Runs one plan against the server; the row says how busy the server's core was (below ~95 %: the client limited). */
async function measure(port: number, caseName: string, plan: Omit<LoadPlan, 'apiUrl'>): Promise<BenchRow> {
  const apiUrl = `http://127.0.0.1:${port}`;
  await runLoad({ ...plan, apiUrl, durationMs: WARMUP_MS }, 1); // warm-up: JIT, keys of every session
  const cpuBefore = await serverCpuMicros(port);
  const started = performance.now();
  const report = await runLoad({ ...plan, apiUrl }, 1);
  const busy = (await serverCpuMicros(port)) - cpuBefore;
  const busyShare = busy / 1000 / (performance.now() - started);
  if (report.rejected > 0)
    throw new Error(`limit bench: ${report.rejected} events refused (${report.refusals[0]})`);
  return {
    suite: NAME,
    case: `${caseName}; server core ${Math.round(busyShare * 100)} % busy`,
    opsPerSec: report.accepted / report.sendSeconds,
  };
}

/** The two limit rows (the server pinned to core 0, the load client to core 1). */
export async function measureLimit(): Promise<BenchRow[]> {
  const server = forkBenchModule('limit/limit-server.ts');
  pinToCore(server.pid!, 0);
  try {
    const [{ port }] = (await once(server, 'message')) as [{ port: number }];
    const common = {
      token: 'unused',
      durationMs: DURATION_MS,
      firstId: 0,
      sessions: 200,
      subscribers: [],
      drainMs: 0,
    };
    return [
      await measure(port, LIMIT_SINGLE_CASE, { ...common, batchSize: 1, producers: 64 }),
      await measure(port, LIMIT_BATCH_CASE, { ...common, batchSize: 100, producers: 4 }),
    ];
  } finally {
    server.kill();
  }
}

export const suite: BenchSuite = { name: NAME, run: measureLimit };
