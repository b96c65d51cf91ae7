import { join } from 'node:path';
import { InvocationTimeoutError, invokeHandler } from '../../../local/lambda-invoke';
import { type LambdaWorker, type LambdaWorkerOptions, startLambdaWorker } from '../../../local/lambda-worker';

/**
 * A function in its own worker thread, as the local stack runs every topology function: its own
 * environment and nothing else, a Lambda context, errors and timeouts as the callers expect them.
 */

const FIXTURES = join(__dirname, '../../fixtures/functions');
const ECHO = join(FIXTURES, 'echo.js');

interface Seen {
  env: Record<string, string>;
  functionName: string;
  memory: string;
  remainingMs: number;
  threadId: number;
  /** How many invocations met at the barrier the event named. */
  metAtBarrier?: number;
}

const options = (overrides: Partial<LambdaWorkerOptions> = {}): LambdaWorkerOptions => ({
  functionName: 'ps-local-echo',
  entry: ECHO,
  env: { ONLY_THIS: 'yes' },
  mode: 'source',
  memoryMb: 256,
  timeoutMs: 2000,
  ...overrides,
});

describe('a function in its worker thread', () => {
  let worker: LambdaWorker;
  const lines: string[] = [];

  beforeAll(async () => {
    process.env.LAUNCHER_ONLY_VARIABLE = 'must not leak';
    worker = await startLambdaWorker(options({ log: (line) => lines.push(line) }));
  });

  afterAll(async () => {
    delete process.env.LAUNCHER_ONLY_VARIABLE;
    await worker.stop();
  });

  const invoke = (event: unknown, timeoutMs = 5000) =>
    invokeHandler(worker.handler, 'ps-local-echo', event, timeoutMs) as Promise<Seen>;

  it('sees exactly the environment it was given, nothing of the launcher', async () => {
    // Act
    const seen = await invoke({});
    // Assess
    expect(seen.env).toEqual({ ONLY_THIS: 'yes' });
  });

  it('gets a Lambda context with its name, memory and the nearer of its timeout and the caller deadline', async () => {
    // Act
    const seen = await invoke({}, 60_000);
    // Assess
    expect(seen).toMatchObject({ functionName: 'ps-local-echo', memory: '256' });
    expect(seen.remainingMs).toBeGreaterThan(1000);
    expect(seen.remainingMs).toBeLessThanOrEqual(2000);
  });

  it('runs in a thread of its own', async () => {
    // Act
    const seen = await invoke({});
    // Assess
    expect(seen.threadId).not.toBe(require('node:worker_threads').threadId);
  });

  it('serves several invocations at once', async () => {
    // Prepare: each returns only once all five are running (one at a time, the first would time out)
    const barrier = { id: 'five-at-once', parties: 5 };
    // Act
    const seen = await Promise.all(Array.from({ length: 5 }, () => invoke({ barrier })));
    // Assess
    expect(seen.map((s) => s.metAtBarrier)).toEqual([5, 5, 5, 5, 5]);
  });

  it('hands a thrown error to the caller with its name and message', async () => {
    // Act
    const error = await invoke({ throwName: 'Unauthorized', throwMessage: 'Unauthorized' }).catch(
      (e: Error) => e,
    );
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('Unauthorized');
    expect((error as Error).message).toBe('Unauthorized');
  });

  it('fails an invocation that outlives the function timeout with InvocationTimeoutError', async () => {
    // Act
    const error = await invoke({ sleepMs: 3000 }, 10_000).catch((e: Error) => e);
    // Assess
    expect(error).toBeInstanceOf(InvocationTimeoutError);
    expect((error as InvocationTimeoutError).timeoutMs).toBe(2000);
  });

  it('logs an unhandled rejection by name and keeps serving', async () => {
    // Act
    await invoke({ unhandledRejection: true });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Assess
    expect(lines).toContain('ps-local-echo: unhandled rejection (RangeError)');
    expect((await invoke({})).env).toEqual({ ONLY_THIS: 'yes' });
  });

  it('fails the invocation of a thread that exits, and starts a new thread for the next one', async () => {
    // Prepare
    const before = (await invoke({})).threadId;
    // Act
    const error = await invoke({ exit: true }).catch((e: Error) => e);
    const after = await invoke({});
    // Assess
    expect((error as Error).name).toBe('Runtime.ExitError');
    expect(after.threadId).not.toBe(before);
    expect(after.env).toEqual({ ONLY_THIS: 'yes' });
  });

  it('reports the modules the function loaded', async () => {
    // Act
    const files = await worker.loadedModules();
    // Assess
    expect(files).toEqual([ECHO]);
  });
});

describe('bundle mode', () => {
  it('loads a JavaScript bundle and reports it as the only module loaded', async () => {
    // Prepare
    const worker = await startLambdaWorker(options({ mode: 'bundle' }));
    try {
      // Act
      const seen = (await invokeHandler(worker.handler, 'ps-local-echo', {}, 5000)) as Seen;
      // Assess
      expect(seen.env).toEqual({ ONLY_THIS: 'yes' });
      expect(await worker.loadedModules()).toEqual([ECHO]);
    } finally {
      await worker.stop();
    }
  });

  it('refuses a TypeScript entry module', async () => {
    // Act
    const started = startLambdaWorker(options({ mode: 'bundle', entry: join(FIXTURES, 'typed.ts') }));
    // Assess
    await expect(started).rejects.toThrow(/bundle mode loads JavaScript only/);
  });

  it('refuses a bundle that requires a TypeScript module', async () => {
    // Act
    const started = startLambdaWorker(
      options({ mode: 'bundle', entry: join(FIXTURES, 'requires-typescript.js') }),
    );
    // Assess
    await expect(started).rejects.toThrow(/bundle mode refuses TypeScript module .*typed\.ts/);
  });

  it('source mode loads the same TypeScript module', async () => {
    // Prepare
    const worker = await startLambdaWorker(options({ entry: join(FIXTURES, 'requires-typescript.js') }));
    try {
      // Act
      const result = await invokeHandler(worker.handler, 'ps-local-echo', {}, 5000);
      // Assess
      expect(result).toBe('typed');
    } finally {
      await worker.stop();
    }
  });
});
