import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextDir, LOCAL_CONTEXT } from '../../cli/contexts';
import { readSavedLogin } from '../../cli/user-session';
import type { BatchExporterRecord } from '../../lambdas/core/batch-exporter';
import { TinkDeterministicAead } from '../../lambdas/core/tink-daead';
import { fromTinkJsonKeyset } from '../../lambdas/core/tink-keyset';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { cliEnv, EgressProcess, type StrmEvent, strm } from '../../local/tour';
import { CapturedOutput } from '../support/captured-output';
import { ExportProbe } from './support/export-probe';

/**
 * Batch exporters end to end, through the real `strm` CLI against the local stack: exporters of `winston`,
 * `winston-0` and winston's key stream, the simulator, and a restart of the whole stack while files are
 * still open. The files must hold every accepted event exactly once, as `strm egress` showed it, with the
 * consent rules applied, the source stream's PII still ciphertext, and decryptable with the keysets of the
 * exported key stream. (Intervals of 12 s through the stack's test hook; users get at least 30 s.) While
 * it runs, the test reads the exports directly (test/e2e/support/export-probe.ts); the CLI downloads them
 * once, at the end.
 */

const PASSWORD = 'exporters e2e password, long enough';
const EVENTS_PER_PHASE = 20;
// Far longer than the first phase takes on a busy machine, so the restart finds its files open.
const INTERVAL = '12';
const INTERVAL_MS = Number(INTERVAL) * 1000;

type KeyLine = { keyLink: string; encryptionKey: string; createdAt: number; expiresAt: number };
const keyOf = (e: StrmEvent) => `${e.strmMeta.keyLink}/${e.strmMeta.nonce}`;
const customerId = (e: StrmEvent) => (e.customer as { id: string }).id;

async function startStack(dataDir: string, log: (line: string) => void, port = 0): Promise<LocalStack> {
  return startLocalStack({
    port,
    dataDir,
    log,
    exports: { minimumIntervalSeconds: 2, tickIntervalMs: 500 },
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('batch exporters and key streams, through the strm CLI against the local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ps-e2e-exports-'));
  const configDir = mkdtempSync(join(tmpdir(), 'ps-e2e-exports-config-'));
  const captured = new CapturedOutput();
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;
  const shown: Record<'winston' | 'winston-0', StrmEvent[]> = { winston: [], 'winston-0': [] };
  const created: Record<string, { code: number; stdout: string; stderr: string }> = {};
  const exported: Record<string, string[]> = {};
  /** Lines of winston's files when the stack stopped (none: its files were open). */
  let exportedAtRestart = -1;
  let probe: ExportProbe;

  /** Every line of an exporter's files, as `strm get batch-export-files --fetch` downloads them. */
  const fetchedLines = async (exporter: string): Promise<string[]> => {
    const out = join(configDir, 'fetched', exporter);
    rmSync(out, { recursive: true, force: true });
    const result = await strm(['get', 'batch-export-files', exporter, '--fetch', '--output-dir', out], env);
    if (result.code !== 0) throw new Error(result.stderr);
    return readdirSync(out)
      .sort()
      .flatMap((name) => readFileSync(join(out, name), 'utf8').split('\n'))
      .filter((line) => line !== '');
  };

  /** Simulates events while `strm egress` listens to both streams; what egress showed is kept. */
  const simulatePhase = async () => {
    const listeners = (['winston', 'winston-0'] as const).map((stream) => new EgressProcess(stream, env));
    try {
      await Promise.all(listeners.map((l) => l.ready()));
      const sim = await strm(
        [
          'sim',
          'run-random',
          'winston',
          '--count',
          String(EVENTS_PER_PHASE),
          '--interval',
          '20',
          '--session-range',
          '4',
          '--quiet',
        ],
        env,
      );
      if (sim.code !== 0) throw new Error(sim.stderr);
      const [source, derived] = listeners;
      const expectedDerived = () => source!.events.filter((e) => e.strmMeta.consentLevels.length > 0).length;
      await waitFor(
        async () => source!.events.length >= EVENTS_PER_PHASE && derived!.events.length >= expectedDerived(),
        30_000,
        'egress to show every event',
      );
      shown.winston.push(...source!.events);
      shown['winston-0'].push(...derived!.events);
    } finally {
      await Promise.all(listeners.map((l) => l.stop()));
    }
  };

  /** Restarts the whole stack at once (on its port, as a user would). */
  const restart = async (userToken: string) => {
    const port = Number(new URL(stack.apiUrl).port);
    probe.close();
    await stack.stop();
    stack = await startStack(dataDir, captured.add, port);
    probe = new ExportProbe(stack, userToken);
  };

  /** Waits until winston's first-phase lines are staged, and checks that none of its files is due yet. */
  const stagedAndOpen = async (exporter: BatchExporterRecord) => {
    const staged = async () =>
      (await probe.shardStates(exporter)).reduce((n, s) => n + (s.buffer?.lines ?? 0), 0);
    await waitFor(async () => (await staged()) === EVENTS_PER_PHASE, 30_000, 'the first phase to be staged');
    const dueAt = Math.min(
      ...(await probe.shardStates(exporter)).flatMap((s) =>
        s.buffer ? [s.buffer.openedAt + INTERVAL_MS] : [],
      ),
    );
    if (Date.now() + 2000 > dueAt) {
      throw new Error(
        `this machine took longer than the ${INTERVAL} s interval: the restart would find no open file`,
      );
    }
  };

  beforeAll(async () => {
    captured.start();
    // The deployed log level (topology commonEnv), so the check below sees what AWS would log.
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    stack = await startStack(dataDir, captured.add);
    env = cliEnv({ apiUrl: stack.apiUrl, configDir, password: PASSWORD });
    for (const args of [
      ['auth', 'signup', 'you@example.com'],
      ['auth', 'login', 'you@example.com'],
      ['create', 'stream', 'winston', '--save'],
      ['create', 'stream', '--derived-from', 'winston', '--levels', '0', '--save'],
    ]) {
      const result = await strm(args, env);
      if (result.code !== 0) throw new Error(`strm ${args.join(' ')}: ${result.stderr}`);
    }
    created.source = await strm(['create', 'batch-exporter', 'winston', '--interval', INTERVAL], env);
    created.derived = await strm(
      ['create', 'batch-exporter', 'winston-0', '--interval', INTERVAL, '-o', 'json'],
      env,
    );
    created.keys = await strm(
      ['create', 'batch-exporter', 'winston', '--export-keys', '--interval', INTERVAL],
      env,
    );
    // The CLI's own login reads the exports while the test waits.
    const userToken = readSavedLogin(contextDir(configDir, LOCAL_CONTEXT), stack.apiUrl)!.accessToken;
    probe = new ExportProbe(stack, userToken);
    const exporters = [...(await probe.exporters()).values()];

    await simulatePhase();
    await stagedAndOpen(exporters.find((e) => e.name === 'winston-export')!);
    exportedAtRestart = (await probe.lines('winston-export')).length;
    await restart(userToken);
    await simulatePhase();

    const want: Record<string, number> = {
      'winston-export': shown.winston.length,
      'winston-0-export': shown['winston-0'].length,
      'winston-keys': new Set(shown.winston.map((e) => e.strmMeta.keyLink)).size,
    };
    // Every line there, and nothing left to export: a duplicate could only have been written by now.
    await waitFor(
      async () => {
        for (const exporter of exporters) {
          if ((await probe.lines(exporter.name)).length < want[exporter.name]!) return false;
          if (!(await probe.settled(exporter))) return false;
        }
        return true;
      },
      60_000,
      'the exported files to hold every event',
    );
    for (const name of Object.keys(want)) exported[name] = await fetchedLines(name);
  }, 240_000);

  afterAll(async () => {
    probe?.close();
    await stack?.stop();
    captured.stop();
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  it('creates the exporters, and warns about shredding when it creates the key stream', () => {
    expect([created.source!.code, created.derived!.code, created.keys!.code]).toEqual([0, 0, 0]);
    expect(JSON.parse(created.derived!.stdout)).toMatchObject({
      name: 'winston-0-export',
      stream: 'winston-0',
      interval: Number(INTERVAL),
    });
    expect(created.keys!.stderr).toContain('cannot reach keys already exported');
  });

  it('exports every event of winston exactly once, as egress showed it, across the restart', () => {
    expect(shown.winston).toHaveLength(2 * EVENTS_PER_PHASE);
    expect(exportedAtRestart).toBe(0);
    expect([...exported['winston-export']!].sort()).toEqual(
      shown.winston.map((e) => JSON.stringify(e)).sort(),
    );
  });

  it('exports exactly what egress showed of winston-0: the consented events, customer.id in clear', () => {
    const lines = exported['winston-0-export']!;
    expect([...lines].sort()).toEqual(shown['winston-0'].map((e) => JSON.stringify(e)).sort());
    const bySource = new Map(shown.winston.map((e) => [keyOf(e), e]));
    for (const event of lines.map((line) => JSON.parse(line) as StrmEvent)) {
      expect(event.strmMeta.consentLevels.length).toBeGreaterThan(0);
      expect(customerId(event)).toMatch(/^customer-session-\d+$/);
      expect(event.producerSessionId).toBe(bySource.get(keyOf(event))!.producerSessionId);
    }
  });

  it('exports each key link of winston once, whose keysets decrypt the ciphertexts of winston’s files', () => {
    const keys = exported['winston-keys']!.map((line) => JSON.parse(line) as KeyLine);
    const links = keys.map((k) => k.keyLink);
    expect(new Set(links).size).toBe(links.length);
    expect(new Set(links)).toEqual(new Set(shown.winston.map((e) => e.strmMeta.keyLink)));
    const aeads = new Map(
      keys.map((k) => [k.keyLink, new TinkDeterministicAead(fromTinkJsonKeyset(k.encryptionKey))]),
    );
    const clear = new Map(shown['winston-0'].map((e) => [keyOf(e), customerId(e)]));
    const events = exported['winston-export']!.map((line) => JSON.parse(line) as StrmEvent);
    const decrypt = (e: StrmEvent, value: unknown) =>
      aeads.get(e.strmMeta.keyLink)!.decryptString(value as string);
    for (const event of events) {
      expect(customerId(event)).not.toMatch(/customer-session/);
      expect(decrypt(event, event.producerSessionId)).toMatch(/^session-\d+$/);
    }
    // The events winston-0 has: their customer.id decrypts to what winston-0 showed in clear.
    const inDerived = events.filter((e) => clear.has(keyOf(e)));
    expect(inDerived).toHaveLength(shown['winston-0'].length);
    expect(inDerived.map((e) => decrypt(e, customerId(e)))).toEqual(
      inDerived.map((e) => clear.get(keyOf(e))),
    );
  });

  it('keeps the files in the data directory, under the account’s folder', async () => {
    const me = JSON.parse(
      (await strm(['get', 'batch-exporter', 'winston-0-export', '-o', 'json'], env)).stdout,
    );
    const folder = join(dataDir, 's3', me.bucket, me.accountId);
    expect(existsSync(folder)).toBe(true);
    expect(
      readdirSync(folder).some((name) =>
        /-stream-winston-0---shardId-\d+\.jsonl\._S3rver_object$/.test(name),
      ),
    ).toBe(true);
  });

  it('lists the files with strm get batch-export-files and prints one', async () => {
    const listed = await strm(['get', 'batch-export-files', 'winston-0-export'], env);
    const first = listed.stdout.split('\n')[1]!.split(/\s+/)[0]!;
    const printed = await strm(['get', 'batch-export-files', 'winston-0-export', first], env);
    expect(listed.stdout.split('\n')[0]).toMatch(/^FILE\s+SIZE\s+LAST MODIFIED$/);
    expect(first).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-stream-winston-0---shardId-\d+\.jsonl$/);
    expect(
      printed.stdout
        .split('\n')
        .filter((l) => l !== '')
        .every((l) => exported['winston-0-export']!.includes(l)),
    ).toBe(true);
  });

  it.each([
    [['winston', '--interval', '7200'], 'interval must be an integer number of seconds from 2 to 3600'],
    [['winston', '--path-prefix', 'lake/'], "pathPrefix must not end with '/'"],
    [['no-such-stream'], 'stream no-such-stream not found'],
    [
      ['winston-0', '--export-keys'],
      "kind 'keys' needs a source stream: winston-0 is derived, its key links belong to winston",
    ],
  ])('refuses a bad definition (%p) with its reason', async (args, reason) => {
    const result = await strm(['create', 'batch-exporter', ...args], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error: ${reason}\n`);
  });

  it('answers 404 for another account’s stream', async () => {
    const other = cliEnv({ apiUrl: stack.apiUrl, configDir: join(configDir, 'other'), password: PASSWORD });
    await strm(['auth', 'signup', 'other@example.com'], other);
    await strm(['auth', 'login', 'other@example.com'], other);
    const result = await strm(['create', 'batch-exporter', 'winston'], other);
    expect(result.stderr).toBe('Error: stream winston not found\n');
  });

  it('deletes a stream with exporters only with --recursive, and its exporters with it', async () => {
    const refused = await strm(['delete', 'stream', 'winston-0'], env);
    const deleted = await strm(['delete', 'stream', 'winston', '--recursive'], env);
    const left = await strm(['list', 'batch-exporters', '-o', 'json'], env);
    expect(refused.stderr).toContain('has batch exporters (winston-0-export)');
    expect(deleted.stdout).toContain('Deleted batch exporters: ');
    expect(JSON.parse(left.stdout).batchExporters).toEqual([]);
  });

  it('never logs a PII value, a keyset or a download URL', () => {
    const logs = captured.text();
    expect(logs).not.toMatch(/customer-session-\d+/);
    expect(logs).not.toContain('AesSivKey');
    expect(logs).not.toContain('X-Amz-Signature');
  });
});
