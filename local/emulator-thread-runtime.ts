import { parentPort, workerData } from 'node:worker_threads';
import type { EmulatorThreadMessage } from './emulator-thread';
import { type EmulatorOptions, PortInUseError, startEmulators } from './emulators';

/** Runs inside the emulator thread (local/emulator-thread.ts): starts the emulators, closes them on request. */
export function serveEmulators(): void {
  const port = parentPort!;
  const post = (message: EmulatorThreadMessage) => port.postMessage(message);
  startEmulators(workerData as EmulatorOptions).then(
    ({ close, ...emulators }) => {
      port.on('message', (message: { type: string }) => {
        if (message.type !== 'close') return;
        close().then(
          () => post({ type: 'closed' }),
          () => post({ type: 'closed' }),
        );
      });
      post({ type: 'started', emulators });
    },
    (error: unknown) => {
      const e = error as Error;
      const where = error instanceof PortInUseError ? { service: error.service, port: error.port } : {};
      post({
        type: 'failed',
        error: { name: e?.name ?? 'Error', message: e?.message ?? String(error), ...where },
      });
    },
  );
}
