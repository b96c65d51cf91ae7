import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextDir, LOCAL_CONTEXT } from '../../cli/contexts';
import { savedStreamsDir } from '../../cli/saved-entities';
import { TinkDeterministicAead } from '../../lambdas/core/tink-daead';
import { fromTinkJsonKeyset } from '../../lambdas/core/tink-keyset';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { cliEnv, runTour, type StrmEvent, strm, type TourResult } from '../../local/tour';
import { CapturedOutput } from '../support/captured-output';

/**
 * The README tutorial end to end: the local stack on free ports, the real `strm` CLI as child processes,
 * and assertions on what `egress` prints for `winston`, `winston-0` (CUMULATIVE 0) and `winston-1`.
 */

const EVENTS = 40;
const PASSWORD = 'e2e password that is long enough';
const CIPHERTEXT = /^[A-Za-z0-9+/]+={0,2}$/;

const keyOf = (e: StrmEvent) => `${e.strmMeta.keyLink}/${e.strmMeta.nonce}`;
const customerId = (e: StrmEvent) => (e.customer as { id: string }).id;
const isTinkCiphertext = (value: unknown) =>
  typeof value === 'string' && CIPHERTEXT.test(value) && Buffer.from(value, 'base64')[0] === 0x01;

describe('the tutorial, typed through the strm CLI against the local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ps-e2e-data-'));
  const configDir = mkdtempSync(join(tmpdir(), 'ps-e2e-config-'));
  const captured = new CapturedOutput();
  let stack: LocalStack;
  let tour: TourResult;
  let env: NodeJS.ProcessEnv;
  const bySource = new Map<string, StrmEvent>();
  const clientSecrets: string[] = [];

  beforeAll(async () => {
    // Capture everything the stack and its handlers log, at the most verbose level, to check it for PII.
    captured.start();
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    stack = await startLocalStack({ port: 0, dataDir, log: captured.add });
    env = cliEnv({ apiUrl: stack.apiUrl, configDir, password: PASSWORD });
    tour = await runTour({ apiUrl: stack.apiUrl, configDir, password: PASSWORD, events: EVENTS });
    for (const event of tour.source) bySource.set(keyOf(event), event);
    const savedDir = savedStreamsDir(contextDir(configDir, LOCAL_CONTEXT));
    for (const file of readdirSync(savedDir)) {
      clientSecrets.push(JSON.parse(readFileSync(join(savedDir, file), 'utf8')).credentials.clientSecret);
    }
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    captured.stop();
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  describe('the source stream winston', () => {
    it('delivers every simulated event exactly once', () => {
      expect(tour.source).toHaveLength(EVENTS);
      expect(bySource.size).toBe(EVENTS);
    });

    it('holds every PII field as a Tink AES-SIV ciphertext', () => {
      for (const event of tour.source) {
        expect(isTinkCiphertext(event.producerSessionId)).toBe(true);
        expect(isTinkCiphertext(customerId(event))).toBe(true);
      }
    });

    it('encrypts all PII fields of one event with one key (one Tink key id)', () => {
      for (const event of tour.source) {
        const prefix = (v: unknown) =>
          Buffer.from(v as string, 'base64')
            .subarray(0, 5)
            .toString('hex');
        expect(prefix(event.producerSessionId)).toBe(prefix(customerId(event)));
      }
    });

    it('keeps the non-PII fields in clear', () => {
      for (const event of tour.source) expect(event.url).toBe('https://www.streammachine.io/rules');
    });

    it('carries strmMeta stamped by the gateway', () => {
      for (const { strmMeta } of tour.source) {
        expect(strmMeta.eventContractRef).toBe('streammachine/clickstream/1.0.0');
        expect(Number.isInteger(strmMeta.nonce)).toBe(true);
        expect(strmMeta.timestamp).toBeGreaterThan(Date.now() - 10 * 60_000);
        expect(strmMeta.keyLink).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(Array.isArray(strmMeta.consentLevels)).toBe(true);
      }
    });

    it('reuses one key link per simulated session (5 sessions, many events)', () => {
      const links = new Set(tour.source.map((e) => e.strmMeta.keyLink));
      expect(links.size).toBeLessThanOrEqual(5);
    });
  });

  describe('winston-0 (CUMULATIVE 0)', () => {
    it('holds exactly the events with a non-empty consent list', () => {
      const expected = tour.source
        .filter((e) => e.strmMeta.consentLevels.length > 0)
        .map(keyOf)
        .sort();
      expect(tour.derived['winston-0'].map(keyOf).sort()).toEqual(expected);
    });

    it('shows customer.id in clear and keeps producerSessionId encrypted', () => {
      for (const event of tour.derived['winston-0']) {
        const source = bySource.get(keyOf(event))!;
        expect(customerId(event)).toMatch(/^customer-session-\d+$/);
        expect(event.producerSessionId).toBe(source.producerSessionId);
        expect(isTinkCiphertext(event.producerSessionId)).toBe(true);
      }
    });

    it('keeps strmMeta and the other fields unchanged', () => {
      for (const event of tour.derived['winston-0']) {
        const source = bySource.get(keyOf(event))!;
        expect(event.strmMeta).toEqual(source.strmMeta);
        expect({ ...event, customer: undefined }).toEqual({ ...source, customer: undefined });
      }
    });
  });

  describe('winston-1 (CUMULATIVE 1)', () => {
    it('holds exactly the events whose highest consent level is at least 1', () => {
      const expected = tour.source
        .filter((e) => e.strmMeta.consentLevels.length > 0 && Math.max(...e.strmMeta.consentLevels) >= 1)
        .map(keyOf)
        .sort();
      expect(tour.derived['winston-1'].map(keyOf).sort()).toEqual(expected);
    });

    it('shows both customer.id and producerSessionId in clear, consistent with each other', () => {
      for (const event of tour.derived['winston-1']) {
        expect(event.producerSessionId).toMatch(/^session-\d+$/);
        expect(customerId(event)).toBe(`customer-${event.producerSessionId}`);
      }
    });
  });

  it("decrypts the source stream's ciphertexts, with each key link's exported Tink key, to what the derived streams show", async () => {
    const login = await fetch(`${stack.apiUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'you@example.com', password: PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const aeads = new Map<string, TinkDeterministicAead>();
    for (const keyLink of new Set(tour.source.map((e) => e.strmMeta.keyLink))) {
      const response = await fetch(`${stack.apiUrl}/v1/key-links/${keyLink}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(response.status).toBe(200);
      const { keyset } = (await response.json()) as { keyset: string };
      aeads.set(keyLink, new TinkDeterministicAead(fromTinkJsonKeyset(keyset)));
    }
    expect(tour.derived['winston-1'].length).toBeGreaterThan(0);
    for (const event of tour.derived['winston-1']) {
      const source = bySource.get(keyOf(event))!;
      const aead = aeads.get(source.strmMeta.keyLink)!;
      expect(aead.decryptString(source.producerSessionId as string)).toBe(event.producerSessionId);
      expect(aead.decryptString(customerId(source))).toBe(customerId(event));
    }
  });

  it('exports a key link with strm get key-link, then crypto-shreds it and a data subject', async () => {
    // A winston-1 event shows its session in clear: export the key link of its source event.
    expect(tour.derived['winston-1'].length).toBeGreaterThan(0);
    const clear = tour.derived['winston-1'][0]!;
    const source = bySource.get(keyOf(clear))!;
    const keyLink = source.strmMeta.keyLink;
    const exported = await strm(['get', 'key-link', keyLink, '--keyset-only'], env);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain('secret decryption key');
    const aead = new TinkDeterministicAead(fromTinkJsonKeyset(exported.stdout));
    const session = aead.decryptString(source.producerSessionId as string);
    expect(session).toMatch(/^session-\d+$/);
    expect(aead.decryptString(customerId(source))).toBe(`customer-${session}`);
    // The exported key decrypts to what winston-1 shows in clear for the same event.
    expect(session).toBe(clear.producerSessionId);

    const shredded = await strm(['delete', 'key-link', keyLink], env);
    expect(shredded.code).toBe(0);
    expect(shredded.stdout).toContain(`Key link ${keyLink} deleted`);
    const gone = await strm(['get', 'key-link', keyLink], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^Error: .*not found/);

    // Another session's data subject (its customer.id, as winston-0 shows it in clear): forgetting it
    // deletes that session's key link, so its events can no longer be decrypted either.
    const other = tour.derived['winston-0'].find((e) => e.strmMeta.keyLink !== keyLink)!;
    const subject = customerId(other);
    const forgotten = await strm(['delete', 'data-subject', subject, '-o', 'json'], env);
    expect(forgotten.code).toBe(0);
    const [report] = JSON.parse(forgotten.stdout) as Array<{ dataSubject: string; deletedKeyLinks: number }>;
    expect(report).toEqual({ dataSubject: subject, deletedKeyLinks: 1 });
    const otherGone = await strm(['get', 'key-link', other.strmMeta.keyLink], env);
    expect(otherGone.code).toBe(1);
    expect(otherGone.stderr).toMatch(/^Error: .*not found/);
  });

  describe('managing streams with the CLI', () => {
    it('refuses a GRANULAR stream whose default name is taken, without overwriting it', async () => {
      const result = await strm(
        [
          'create',
          'stream',
          '--derived-from',
          'winston',
          '--levels',
          '0',
          '--consent-type',
          'GRANULAR',
          '--save',
        ],
        env,
      );
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('already exists');
      const kept = await strm(['get', 'stream', 'winston-0', '-o', 'json'], env);
      expect(JSON.parse(kept.stdout).stream.consentLevelType).toBe('CUMULATIVE');
    });

    it('creates a GRANULAR stream with an explicit name and comma-separated levels', async () => {
      const result = await strm(
        [
          'create',
          'stream',
          'winston-g',
          '--derived-from',
          'winston',
          '--levels',
          '0,1',
          '--consent-type',
          'GRANULAR',
          '-o',
          'json',
        ],
        env,
      );
      expect(result.code).toBe(0);
      const { stream } = JSON.parse(result.stdout);
      expect(stream).toMatchObject({
        name: 'winston-g',
        linkedStream: 'winston',
        consentLevelType: 'GRANULAR',
        consentLevels: [0, 1],
      });
    });

    it('lists the streams as JSON, without secrets', async () => {
      const result = await strm(['list', 'streams', '-o', 'json'], env);
      expect(result.code).toBe(0);
      const names = (JSON.parse(result.stdout).streams as Array<{ name: string }>).map((s) => s.name).sort();
      expect(names).toEqual(['winston', 'winston-0', 'winston-1', 'winston-g']);
      expect(result.stdout).not.toContain('clientSecret');
    });

    it('refuses to simulate events on a derived stream', async () => {
      const result = await strm(['sim', 'run-random', 'winston-0', '--count', '1'], env);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("can't run a simulator on a derived stream");
    });

    it('shows the login without printing the token', async () => {
      const result = await strm(['auth', 'show'], env);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('you@example.com');
      expect(result.stdout).not.toMatch(/eyJ[\w-]+\./);
    });

    it('deletes a source stream with its derived streams when --recursive', async () => {
      const refused = await strm(['delete', 'stream', 'winston'], env);
      expect(refused.code).toBe(1);
      const result = await strm(['delete', 'stream', 'winston', '--recursive', '-o', 'json'], env);
      expect(result.code).toBe(0);
      expect((JSON.parse(result.stdout).deleted as string[]).sort()).toEqual([
        'winston',
        'winston-0',
        'winston-1',
        'winston-g',
      ]);
      const left = await strm(['list', 'streams', '-o', 'json'], env);
      expect(JSON.parse(left.stdout).streams).toEqual([]);
    });
  });

  it('never logs a PII value, a client secret, a password or a token', () => {
    const logs = captured.text();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toMatch(/customer-session-\d+/);
    expect(logs).not.toMatch(/\bsession-\d+\b/);
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(clientSecrets).toHaveLength(3);
    for (const secret of clientSecrets) expect(logs).not.toContain(secret);
  });
});
