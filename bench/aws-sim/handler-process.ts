/**
 * One Lambda execution environment for the aws-sim suite: a process of its own (pinned to one core by the
 * suite) that loads a function's bundle with exactly the environment it is given and runs invocations one
 * at a time, as Lambda runs a shard's batches (parallelization factor 1). Each answer says how long the
 * invocation took and how much CPU it used.
 */

interface Setup {
  bundle: string;
  env: Record<string, string>;
}

interface Invocation {
  event: unknown;
  /** The function's timeout: the context's remaining time counts down from it. */
  timeoutMs: number;
}

export interface InvocationReport {
  durationMs: number;
  cpuMs: number;
  result: unknown;
  /** The log lines the invocation wrote (the function's JSON logs), parsed. */
  logs: Record<string, unknown>[];
  error?: string;
}

/** The function's stdout (its log lines): kept for the report instead of printed. */
let written: string[] = [];
process.stdout.write = ((chunk: string | Uint8Array) => {
  written.push(String(chunk));
  return true;
}) as typeof process.stdout.write;

let handler: ((event: unknown, context: unknown) => Promise<unknown>) | undefined;

async function invoke({ event, timeoutMs }: Invocation): Promise<InvocationReport> {
  written = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const context = { getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (performance.now() - started)) };
  try {
    const result = await handler!(event, context);
    return report(started, cpu, result);
  } catch (error) {
    return { ...report(started, cpu, undefined), error: (error as Error)?.name ?? 'Error' };
  }
}

function report(started: number, cpu: NodeJS.CpuUsage, result: unknown): InvocationReport {
  const used = process.cpuUsage(cpu);
  const durationMs = performance.now() - started;
  const logs = written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { durationMs, cpuMs: (used.user + used.system) / 1000, result, logs };
}

process.on(
  'message',
  (message: { type: 'setup'; setup: Setup } | { type: 'invoke'; invocation: Invocation }) => {
    if (message.type === 'setup') {
      for (const key of Object.keys(process.env)) delete process.env[key];
      Object.assign(process.env, message.setup.env);
      handler = (require(message.setup.bundle) as { handler: typeof handler }).handler;
      process.send!({ type: 'ready' });
      return;
    }
    invoke(message.invocation).then((report) => process.send!({ type: 'report', report }));
  },
);
process.on('disconnect', () => process.exit(0));
