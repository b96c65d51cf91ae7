import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { profilingFlags } from './cpu-profiling';
import { type EmulatorOptions, type Emulators, PortInUseError } from './emulators';

/**
 * The local stack's emulators (kinesalite, dynalite, the KMS server, each behind its signature check) in a
 * worker thread of their own: the main thread keeps the gateway, the event-source pollers and the
 * WebSocket connections, the emulator thread does the storage work (LevelDB, kinesalite's sequence
 * numbers, SigV4 verification of every request) — so the stack uses both cores. Everything reaches them
 * over loopback TCP as before; the thread is only where their code runs.
 */

const RUNTIME = join(__dirname, 'emulator-thread-runtime.ts');
const TSX_API = require.resolve('tsx/cjs/api');
const BOOT = `
require(${JSON.stringify(TSX_API)}).register();
require(${JSON.stringify(RUNTIME)}).serveEmulators();
`;

/** What the thread says about itself (local/emulator-thread-runtime.ts). */
export type EmulatorThreadMessage =
  | { type: 'started'; emulators: Omit<Emulators, 'close'> }
  | { type: 'failed'; error: { name: string; message: string; service?: string; port?: number } }
  | { type: 'closed' };

function errorOf(error: Extract<EmulatorThreadMessage, { type: 'failed' }>['error']): Error {
  if (error.name === 'PortInUseError' && error.service !== undefined && error.port !== undefined) {
    return new PortInUseError(error.service, error.port);
  }
  return Object.assign(new Error(error.message), { name: error.name });
}

/**
 * Starts the emulators in their own thread; resolves with their endpoints and credentials once they listen.
 * Stopping them (close) closes their stores in the thread, then ends it.
 */
export function startEmulatorsInThread(opts: EmulatorOptions = {}): Promise<Emulators> {
  // The launcher's loader flags (tsx's own) stay out; the thread registers what it needs.
  const worker = new Worker(BOOT, { eval: true, workerData: opts, execArgv: profilingFlags() });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the emulator thread exited (${code}) while starting`)));
    worker.once('message', (message: EmulatorThreadMessage) => {
      if (message.type === 'failed') {
        void worker.terminate();
        reject(errorOf(message.error));
        return;
      }
      if (message.type !== 'started') return;
      worker.removeAllListeners('exit');
      resolve({ ...message.emulators, close: () => closeThread(worker) });
    });
  });
}

async function closeThread(worker: Worker): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    worker.once('exit', done);
    worker.on('message', (message: EmulatorThreadMessage) => {
      if (message.type === 'closed') void worker.terminate();
    });
    worker.postMessage({ type: 'close' });
  });
}
