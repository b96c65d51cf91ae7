/**
 * The messages between the local runtime and a function's worker thread (local/lambda-worker.ts hosts it,
 * local/lambda-worker-runtime.ts runs inside it). Events and results cross by structured clone.
 */

/** How the worker loads its function: TypeScript sources through tsx, or a synthesised bundle as plain JS. */
export type LoadMode = 'source' | 'bundle';

/** The worker's `workerData`. */
export interface WorkerSetup {
  /** The Lambda function name (in the context object). */
  functionName: string;
  /** Absolute path of the module to load. */
  entry: string;
  /** The export that is the Lambda handler (`handler`). */
  exportName: string;
  memoryMb: number;
  mode: LoadMode;
  /** The TypeScript loader's package directory: its files (some load lazily) belong to the runtime, not the function. */
  loaderDir: string;
}

/** An error as it crosses the thread boundary: its name and message, nothing else. */
export interface ErrorSummary {
  name: string;
  message: string;
}

export type HostMessage =
  | { type: 'invoke'; id: number; event: unknown; timeoutMs: number }
  | { type: 'modules'; id: number };

export type WorkerMessage =
  /** The handler module loaded; `loaded` lists every file its loading added. */
  | { type: 'ready'; loaded: string[] }
  | { type: 'init-failed'; error: ErrorSummary }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: ErrorSummary }
  /** Every file the function has loaded so far (require.cache minus the runtime's own modules). */
  | { type: 'modules'; id: number; files: string[] }
  | { type: 'unhandled-rejection'; errorName: string };
