import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TinkDeterministicAead } from '../../lambdas/core/tink-daead';
import { fromTinkJsonKeyset } from '../../lambdas/core/tink-keyset';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { cliEnv, EgressProcess, type StrmEvent, strm } from '../../local/tour';
import { CapturedOutput } from '../support/captured-output';

/**
 * Batch exporters end to end, through the real `strm` CLI against the local stack: exporters of `winston`,
 * `winston-0` and winston's key stream, the simulator, and a restart of the whole stack while files are
 * still open. The files must hold every accepted event exactly once, as `strm egress` showed it, with the
 * consent rules applied, the source stream's PII still ciphertext, and decryptable with the keysets of the
 * exported key stream. (Intervals of 8 s through the stack's test hook; users get at least 30 s.)
 */

const PASSWORD = 'exporters e2e password, long enough';
const EVENTS_PER_PHASE = 20;
// Long enough that the restart below certainly finds the first phase's files open.
const INTERVAL = '8';

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
    await new Promise((resolve) => setTimeout(resolve, 500));
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
  /** Lines of winston's files when the stack stopped (fewer than shown: its files were open). */
  let exportedAtRestart = 0;

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

  beforeAll(async () => {
    captured.start();
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
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

    await simulatePhase();
    // Restart the whole stack at once (on its port, as a user would), while this phase's files are open.
    const port = Number(new URL(stack.apiUrl).port);
    exportedAtRestart = (await fetchedLines('winston-export')).length;
    await stack.stop();
    stack = await startStack(dataDir, captured.add, port);
    await simulatePhase();

    const want = { 'winston-export': shown.winston.length, 'winston-0-export': shown['winston-0'].length };
    await waitFor(
      async () => {
        for (const [name, count] of Object.entries(want)) {
          exported[name] = await fetchedLines(name);
          if (exported[name]!.length < count) return false;
        }
        exported['winston-keys'] = await fetchedLines('winston-keys');
        const links = new Set(shown.winston.map((e) => e.strmMeta.keyLink));
        return exported['winston-keys']!.length >= links.size;
      },
      60_000,
      'the exported files to hold every event',
    );
    // A grace period: a duplicate would show up now.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    for (const name of ['winston-export', 'winston-0-export', 'winston-keys'])
      exported[name] = await fetchedLines(name);
  }, 240_000);

  afterAll(async () => {
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
    expect(exportedAtRestart).toBeLessThan(EVENTS_PER_PHASE);
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
    for (const event of exported['winston-export']!.map((line) => JSON.parse(line) as StrmEvent)) {
      const aead = aeads.get(event.strmMeta.keyLink)!;
      expect(customerId(event)).not.toMatch(/customer-session/);
      expect(aead.decryptString(event.producerSessionId as string)).toMatch(/^session-\d+$/);
      const derived = clear.get(keyOf(event));
      if (derived !== undefined) expect(aead.decryptString(customerId(event))).toBe(derived);
    }
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
