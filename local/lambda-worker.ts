import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { profilingFlags } from './cpu-profiling';
import { InvocationTimeoutError, type LambdaHandler } from './lambda-invoke';
import type {
  ErrorSummary,
  HostMessage,
  LoadMode,
  WorkerMessage,
  WorkerSetup,
} from './lambda-worker-protocol';

/**
 * One function in its own worker thread, like a Lambda execution environment: its own `process.env`
 * (exactly the variables it is given), its own module instances and SDK clients, its own event loop —
 * so functions use both cores and never see each other's configuration. Invocations go by message;
 * many may run at once. A worker that dies fails its in-flight invocations and starts again on the next.
 */

export interface LambdaWorkerOptions {
  /** The Lambda function name (context, logs), e.g. `ps-local-ingest`. */
  functionName: string;
  /** Absolute path of the module exporting the handler. */
  entry: string;
  /** Default `handler`. */
  exportName?: string;
  /** The whole environment of the function: nothing else of this process leaks in. */
  env: Record<string, string>;
  /** `source`: TypeScript through tsx; `bundle`: plain JavaScript, TypeScript refused. */
  mode: LoadMode;
  memoryMb: number;
  /** The function's timeout; an invocation never runs past it (nor past the caller's deadline). */
  timeoutMs: number;
  /** How long loading the module may take. Default 60 s. */
  initTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface LambdaWorker {
  readonly functionName: string;
  /** Invokes the function in its thread; the caller's context sets the deadline (see lambda-invoke.ts). */
  readonly handler: LambdaHandler;
  /** Every file the function has loaded so far, as its worker reports it. */
  loadedModules(): Promise<string[]>;
  /** Ends the thread; in-flight invocations fail. */
  stop(): Promise<void>;
}

const TSX_API = require.resolve('tsx/cjs/api');
const TSX_DIR = dirname(require.resolve('tsx/package.json'));
const RUNTIME = join(__dirname, 'lambda-worker-runtime.ts');

// The worker's first code: tsx compiles the runtime (TypeScript) and, in source mode, the function too.
// In bundle mode tsx is unregistered before the function loads, so only JavaScript can run.
const BOOT = `
const { workerData } = require('node:worker_threads');
const unregister = require(${JSON.stringify(TSX_API)}).register();
const { serveFunction } = require(${JSON.stringify(RUNTIME)});
if (workerData.mode === 'bundle') unregister();
serveFunction();
`;

type Reply = { resolve: (value: unknown) => void; reject: (error: Error) => void; timer?: NodeJS.Timeout };

function errorFrom(summary: ErrorSummary): Error {
  const error = new Error(summary.message);
  error.name = summary.name;
  return error;
}

class WorkerHost implements LambdaWorker {
  private worker: Promise<Worker> | undefined;
  private readonly replies = new Map<number, Reply>();
  private nextId = 0;
  private stopped = false;
  readonly handler: LambdaHandler = (event, context) =>
    this.invoke(event, context.getRemainingTimeInMillis());

  constructor(private readonly opts: LambdaWorkerOptions) {}

  get functionName(): string {
    return this.opts.functionName;
  }

  /** The running worker, or a new one (the first start, or after the previous one died). */
  started(): Promise<Worker> {
    this.worker ??= this.spawn();
    return this.worker;
  }

  private spawn(): Promise<Worker> {
    const setup: WorkerSetup = {
      functionName: this.opts.functionName,
      entry: this.opts.entry,
      exportName: this.opts.exportName ?? 'handler',
      memoryMb: this.opts.memoryMb,
      mode: this.opts.mode,
      loaderDir: TSX_DIR,
    };
    // execArgv keeps the launcher's loader flags (tsx's own) out: the worker registers only what it needs.
    const worker = new Worker(BOOT, {
      eval: true,
      env: this.opts.env,
      workerData: setup,
      execArgv: profilingFlags(),
    });
    worker.on('message', (message: WorkerMessage) => this.receive(message));
    worker.on('error', (error) => this.log(`worker failed (${error?.name ?? 'Error'})`));
    worker.on('exit', () => this.exited(worker));
    return new Promise<Worker>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`${setup.functionName} did not load in time`)),
        this.opts.initTimeoutMs ?? 60_000,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        this.worker = undefined;
        void worker.terminate();
        reject(error);
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(worker);
        } else if (message.type === 'init-failed') {
          fail(
            new Error(
              `${setup.functionName} could not load ${setup.entry}: ${message.error.name}: ${message.error.message}`,
            ),
          );
        }
      });
      worker.once('exit', (code) =>
        fail(new Error(`${setup.functionName} worker exited (${code}) while loading`)),
      );
    });
  }

  private receive(message: WorkerMessage): void {
    if (message.type === 'unhandled-rejection') {
      this.log(`unhandled rejection (${message.errorName})`);
      return;
    }
    if (message.type !== 'result' && message.type !== 'error' && message.type !== 'modules') return;
    const reply = this.replies.get(message.id);
    if (!reply) return; // timed out already
    this.replies.delete(message.id);
    clearTimeout(reply.timer);
    if (message.type === 'error') reply.reject(errorFrom(message.error));
    else reply.resolve(message.type === 'result' ? message.value : message.files);
  }

  private exited(worker: Worker): void {
    void this.worker?.then(
      (current) => {
        if (current === worker) this.worker = undefined;
      },
      () => undefined,
    );
    for (const [id, reply] of this.replies) {
      clearTimeout(reply.timer);
      reply.reject(errorFrom({ name: 'Runtime.ExitError', message: `${this.opts.functionName} exited` }));
      this.replies.delete(id);
    }
    if (!this.stopped) this.log('worker exited; the next invocation starts a new one');
  }

  private async request(message: HostMessage, timeoutMs?: number): Promise<unknown> {
    if (this.stopped) throw new Error(`${this.opts.functionName} is stopped`);
    const worker = await this.started();
    return new Promise((resolve, reject) => {
      const reply: Reply = { resolve, reject };
      if (timeoutMs !== undefined) {
        reply.timer = setTimeout(() => {
          this.replies.delete(message.id);
          reject(new InvocationTimeoutError(this.opts.functionName, timeoutMs));
        }, timeoutMs);
        reply.timer.unref();
      }
      this.replies.set(message.id, reply);
      try {
        worker.postMessage(message);
      } catch (error) {
        this.replies.delete(message.id);
        clearTimeout(reply.timer);
        reject(error as Error);
      }
    });
  }

  private invoke(event: unknown, remainingMs: number): Promise<unknown> {
    const timeoutMs = Math.max(1, Math.min(remainingMs, this.opts.timeoutMs));
    return this.request({ type: 'invoke', id: ++this.nextId, event, timeoutMs }, timeoutMs);
  }

  async loadedModules(): Promise<string[]> {
    return (await this.request({ type: 'modules', id: ++this.nextId })) as string[];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const worker = await this.worker?.catch(() => undefined);
    await worker?.terminate();
  }

  private log(line: string): void {
    this.opts.log?.(`${this.opts.functionName}: ${line}`);
  }
}

/** Starts the function's worker and resolves once its module has loaded (rejects if it cannot load). */
export async function startLambdaWorker(opts: LambdaWorkerOptions): Promise<LambdaWorker> {
  const host = new WorkerHost(opts);
  await host.started();
  return host;
}
