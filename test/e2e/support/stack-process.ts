import { startLocalStack } from '../../../local/stack';

/**
 * A local stack in a process of its own, for the crash-injection test: started on the data directory
 * given as the first argument, it tells its parent (IPC) its URLs and the decrypter's environment (the
 * emulator endpoints and this start's credentials: the parent is the stack's owner). SIGTERM stops it
 * cleanly (in-flight batches finish, checkpoints persist); SIGKILL is the crash.
 */
async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir || !process.send) throw new Error('usage: fork(stack-process.ts, [dataDir]) with IPC');
  const stack = await startLocalStack({ port: 0, dataDir, quiet: true, log: () => undefined });
  process.on('SIGTERM', () => {
    void stack.stop().then(() => process.exit(0));
  });
  process.send({ apiUrl: stack.apiUrl, wsUrl: stack.wsUrl, env: stack.environmentOf('decrypter') });
}

main().catch((err: unknown) => {
  console.error(`stack process failed: ${(err as Error)?.name}`);
  process.exit(1);
});
