import { emulatorEnv, startEmulators } from '../../local/emulators';
import { ensureLocalResources, LOCAL_STREAMS, LOCAL_TABLES, resourceEnv } from '../../local/resources';

/**
 * For integration tests: kinesalite, dynalite and the local KMS server in this process on 127.0.0.1
 * port 0 (in memory), with the local tables and streams created and the handlers' environment set.
 *
 *   let emu: TestEmulators;
 *   beforeAll(async () => { emu = await startTestEmulators(); });
 *   afterAll(() => emu.stop());
 */
export interface TestEmulators {
  kinesisUrl: string;
  dynamodbUrl: string;
  kmsUrl: string;
  kmsKeyArn: string;
  tables: typeof LOCAL_TABLES;
  streams: typeof LOCAL_STREAMS;
  /** The variables that were set in process.env (endpoints, region, credentials, resource names). */
  env: Record<string, string>;
  /** Closes the servers and restores the previous environment. */
  stop(): Promise<void>;
}

export async function startTestEmulators(opts: { setEnv?: boolean } = {}): Promise<TestEmulators> {
  const emulators = await startEmulators();
  try {
    await ensureLocalResources(emulators);
  } catch (err) {
    await emulators.close();
    throw err;
  }
  const env = { ...emulatorEnv(emulators), ...resourceEnv(emulators.kmsKeyArn) };
  const previous = new Map<string, string | undefined>();
  if (opts.setEnv ?? true) {
    for (const [name, value] of Object.entries(env)) {
      previous.set(name, process.env[name]);
      process.env[name] = value;
    }
  }
  return {
    kinesisUrl: emulators.kinesisUrl,
    dynamodbUrl: emulators.dynamodbUrl,
    kmsUrl: emulators.kmsUrl,
    kmsKeyArn: emulators.kmsKeyArn,
    tables: LOCAL_TABLES,
    streams: LOCAL_STREAMS,
    env,
    async stop() {
      for (const [name, value] of previous) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await emulators.close();
    },
  };
}
