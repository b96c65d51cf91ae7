import { sep } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { createLambdaContext, type LambdaHandler } from './lambda-invoke';
import type { ErrorSummary, HostMessage, WorkerMessage, WorkerSetup } from './lambda-worker-protocol';

/**
 * Runs inside a function's worker thread, like a Lambda execution environment: loads the function's
 * module once, then serves invocations sent by message, any number at a time. Imports nothing of
 * lambdas/, so in bundle mode the bundle is the only function code that runs.
 */

const TYPESCRIPT_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];

function summarise(error: unknown): ErrorSummary {
  const e = error as Error | undefined;
  return { name: e?.name ?? 'Error', message: typeof e?.message === 'string' ? e.message : String(error) };
}

/** Bundle mode: a TypeScript module anywhere in the function's require graph is refused, not run. */
function refuseTypeScript(): void {
  for (const extension of TYPESCRIPT_EXTENSIONS) {
    require.extensions[extension] = (_module, file) => {
      throw new Error(`bundle mode refuses TypeScript module ${file}`);
    };
  }
}

function loadHandler(setup: WorkerSetup): LambdaHandler {
  if (setup.mode === 'bundle') {
    if (!/\.[cm]?js$/.test(setup.entry))
      throw new Error(`bundle mode loads JavaScript only, not ${setup.entry}`);
    refuseTypeScript();
  }
  const handler = (require(setup.entry) as Record<string, unknown>)[setup.exportName];
  if (typeof handler !== 'function')
    throw new Error(`${setup.entry} does not export a function ${setup.exportName}`);
  return handler as LambdaHandler;
}

function invoke(
  setup: WorkerSetup,
  handler: LambdaHandler,
  message: { id: number; event: unknown; timeoutMs: number },
) {
  const post = (m: WorkerMessage) => parentPort!.postMessage(m);
  const context = createLambdaContext(setup.functionName, message.timeoutMs, setup.memoryMb);
  Promise.resolve()
    .then(() => handler(message.event, context))
    .then(
      (value) => {
        try {
          post({ type: 'result', id: message.id, value });
        } catch {
          // Lambda serialises the result as JSON; what cannot cross is an invalid result.
          post({
            type: 'error',
            id: message.id,
            error: { name: 'Runtime.InvalidResult', message: 'result not serialisable' },
          });
        }
      },
      (error: unknown) => post({ type: 'error', id: message.id, error: summarise(error) }),
    );
}

/** Loads the function named by `workerData` and answers the host's messages until the thread ends. */
export function serveFunction(): void {
  const setup = workerData as WorkerSetup;
  const port = parentPort!;
  const post = (m: WorkerMessage) => port.postMessage(m);
  // A failing handler must not end the execution environment (the local launcher never did either).
  process.on('unhandledRejection', (reason) =>
    post({ type: 'unhandled-rejection', errorName: summarise(reason).name }),
  );

  const runtimeModules = new Set(Object.keys(require.cache));
  const isRuntime = (file: string) => runtimeModules.has(file) || file.startsWith(`${setup.loaderDir}${sep}`);
  const functionModules = () => Object.keys(require.cache).filter((file) => !isRuntime(file));
  let handler: LambdaHandler;
  try {
    handler = loadHandler(setup);
  } catch (error) {
    post({ type: 'init-failed', error: summarise(error) });
    return;
  }
  port.on('message', (message: HostMessage) => {
    if (message.type === 'invoke') invoke(setup, handler, message);
    else post({ type: 'modules', id: message.id, files: functionModules() });
  });
  post({ type: 'ready', loaded: functionModules() });
}
