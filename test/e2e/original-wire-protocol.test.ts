import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLICKSTREAM_1_0_0_AVRO,
  CLICKSTREAM_LEGACY_AVRO,
  DEMO_1_0_2_AVRO,
} from '../../lambdas/core/builtin-avro-schemas';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { AvroSender } from '../support/driver-replica/avro-sender';
import { Receiver } from '../support/driver-replica/receiver';
import {
  msBeforeRefresh,
  type OAuthToken,
  OAuthTokenClient,
  type StsToken,
  StsTokenClient,
} from '../support/driver-replica/token-clients';

/**
 * The original STRM clients' wire protocol against the local stack, spoken by our own replica of the
 * Node driver (test/support/driver-replica): h2c with `:scheme: https`, the form token request at the
 * Keycloak path with a refresh scheduled from `expires_at`, Avro binary events with the original schemas,
 * Bearer WebSocket receivers with `?asJson=true`, and the v2-era STS `/auth` + `/refresh`. Events of both
 * built-in contracts with consent [0] and [0,1] go to `drivers`; `drivers-0` (CUMULATIVE 0) and
 * `drivers-1` (CUMULATIVE 1) get exactly what consent allows, with exactly those fields decrypted.
 */

const KEYCLOAK_PATH = '/auth/realms/streams/protocol/openid-connect/token';
const CIPHERTEXT = /^[A-Za-z0-9+/]+={0,2}$/;
const isCiphertext = (value: unknown) =>
  typeof value === 'string' && CIPHERTEXT.test(value) && Buffer.from(value, 'base64')[0] === 0x01;

interface Credentials {
  clientId: string;
  clientSecret: string;
}

const nullMeta = { nonce: null, timestamp: null, keyLink: null, billingId: null };

function demoEvent(i: number, consentLevels: number[]) {
  return {
    strmMeta: { eventContractRef: 'strmprivacy/example/1.3.0', ...nullMeta, consentLevels },
    uniqueIdentifier: `unique-${i}`,
    consistentValue: `session-${i}`,
    someSensitiveValue: `sensitive-${i}`,
    notSensitiveValue: `not-sensitive-${i}`,
  };
}

function clickEvent(i: number, consentLevels: number[]) {
  return {
    strmMeta: { eventContractRef: 'strmprivacy/clickstream/1.0.0', ...nullMeta, consentLevels },
    producerSessionId: `click-session-${i}`,
    url: 'https://www.streammachine.io/rules',
    eventType: '',
    referrer: '',
    userAgent: '',
    conversion: 0,
    abTests: [],
    customer: { id: `customer-${i}` },
  };
}

async function api<T>(stack: LocalStack, method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}`);
  return (await response.json()) as T;
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

describe('the original drivers’ wire protocol (our replica) against the local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ps-wire-data-'));
  let stack: LocalStack;
  let billingId: string;
  const credentials: Record<string, Credentials> = {};
  const receivers: Record<string, Receiver> = {};
  let token: OAuthToken;
  let tokenFetchedAtMs: number;
  let sender: AvroSender;
  const statuses: number[] = [];
  const delivered: Record<string, Record<string, unknown>[]> = {};

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, dataDir, quiet: true, log: () => undefined });
    const email = 'drivers@example.com';
    const password = 'a password that is long enough';
    await api(stack, 'POST', '/v1/accounts', { email, password });
    const login = await api<{ accessToken: string; billingId: string }>(stack, 'POST', '/v1/auth/login', {
      email,
      password,
    });
    billingId = login.billingId;
    const create = (body: unknown) =>
      api<{ stream: { name: string }; credentials: Credentials }>(
        stack,
        'POST',
        '/v1/streams',
        body,
        login.accessToken,
      );
    for (const [name, body] of [
      ['drivers', { name: 'drivers' }],
      ['drivers-0', { linkedStream: 'drivers', consentLevels: [0] }],
      ['drivers-1', { linkedStream: 'drivers', consentLevels: [1] }],
    ] as const) {
      credentials[name] = (await create(body)).credentials;
    }
    for (const name of Object.keys(credentials)) {
      const { clientId, clientSecret } = credentials[name]!;
      const receiverToken = await new OAuthTokenClient(
        stack.apiUrl,
        KEYCLOAK_PATH,
        clientId,
        clientSecret,
      ).authenticate();
      receivers[name] = new Receiver();
      await receivers[name].connect(stack.apiUrl.replace(/^http/, 'ws'), receiverToken.access_token);
    }
    const source = credentials.drivers!;
    tokenFetchedAtMs = Date.now();
    token = await new OAuthTokenClient(
      stack.apiUrl,
      KEYCLOAK_PATH,
      source.clientId,
      source.clientSecret,
    ).authenticate();
    sender = new AvroSender(stack.apiUrl, () => token.access_token);
    const sends: Promise<{ status: number }>[] = [];
    for (const [i, consent] of [[0], [0, 1]].entries()) {
      sends.push(sender.send('strmprivacy/demo/1.0.2', DEMO_1_0_2_AVRO, demoEvent(i, consent)));
      sends.push(
        sender.send('strmprivacy/clickstream/1.0.0', CLICKSTREAM_1_0_0_AVRO, clickEvent(i, consent)),
      );
    }
    for (const result of await Promise.all(sends)) statuses.push(result.status);
    await until(
      () =>
        receivers.drivers!.events.length >= 4 &&
        receivers['drivers-0']!.events.length >= 4 &&
        receivers['drivers-1']!.events.length >= 2,
    );
    // Anything more would arrive within the same poll: give it one more round before asserting "exactly".
    await new Promise((r) => setTimeout(r, 600));
    // What the receivers got from these four sends (later tests send more).
    for (const [name, receiver] of Object.entries(receivers)) delivered[name] = [...receiver.events];
  }, 120_000);

  afterAll(async () => {
    sender?.close();
    for (const receiver of Object.values(receivers)) receiver.close();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('tokens, STRM Privacy era (form request at the Keycloak path)', () => {
    it('answers expires_at in epoch seconds, 15 minutes ahead', () => {
      expect(token.expires_at).toBeGreaterThanOrEqual(Math.floor(tokenFetchedAtMs / 1000) + 900 - 1);
      expect(token.expires_at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 900);
    });

    it('lets the driver schedule its refresh about 14 minutes out, not in a loop', () => {
      const delay = msBeforeRefresh(token.expires_at);
      expect(Number.isNaN(delay)).toBe(false);
      expect(delay).toBeGreaterThan(13 * 60_000);
      expect(delay).toBeLessThanOrEqual(14 * 60_000);
    });

    it('refreshes with the form refresh_token grant', async () => {
      const { clientId, clientSecret } = credentials.drivers!;
      const client = new OAuthTokenClient(stack.apiUrl, KEYCLOAK_PATH, clientId, clientSecret);
      const refreshed = await client.refresh(token);
      expect(refreshed.access_token).toEqual(expect.any(String));
      expect(refreshed.expires_at).toBeGreaterThanOrEqual(token.expires_at);
    });
  });

  describe('Avro binary events over one h2c session', () => {
    it('accepts every event with 204', () => {
      expect(statuses).toEqual([204, 204, 204, 204]);
    });

    it('refuses a truncated body with 400 and a reason, and the session keeps serving', async () => {
      const good = Buffer.from(
        (await import('avsc')).Type.forSchema(DEMO_1_0_2_AVRO as never).toBuffer(demoEvent(9, [0])),
      );
      await expect(sender.sendBody('strmprivacy/demo/1.0.2', good.subarray(0, 10))).rejects.toEqual({
        status: 400,
        data: expect.stringContaining('truncated'),
      });
      await expect(sender.sendBody('strmprivacy/demo/1.0.2', good)).resolves.toEqual({ status: 204 });
    });

    it('refuses a body encoded with another schema than the header names with 400', async () => {
      const demo = Buffer.from(
        (await import('avsc')).Type.forSchema(DEMO_1_0_2_AVRO as never).toBuffer(demoEvent(8, [0])),
      );
      await expect(sender.sendBody('strmprivacy/clickstream/1.0.0', demo)).rejects.toMatchObject({
        status: 400,
      });
    });

    it('decodes the legacy clickstream schema named by Strm-Schema-Id', async () => {
      const { Type } = await import('avsc');
      const legacy = {
        strmMeta: {
          schemaId: 'clickstream',
          nonce: 0,
          timestamp: 0,
          keyLink: null,
          billingId: null,
          consentLevels: [],
        },
        producerSessionId: 'legacy-session',
        url: 'https://www.streammachine.io/rules',
        eventType: '',
        referrer: '',
        userAgent: '',
        conversion: 0,
        customer: { id: 'legacy-customer' },
        abTests: [],
      };
      const body = Buffer.from(Type.forSchema(CLICKSTREAM_LEGACY_AVRO as never).toBuffer(legacy));
      await expect(sender.sendBody('clickstream', body, 'Strm-Schema-Id')).resolves.toEqual({ status: 204 });
    });
  });

  describe('receivers (Bearer WebSocket, ?asJson=true)', () => {
    const byContract = (name: string, contract: string) =>
      delivered[name]!.filter(
        (e) => (e.strmMeta as { eventContractRef?: string }).eventContractRef === `strmprivacy/${contract}`,
      );

    it('the source stream gets all four events, every PII field encrypted, strmMeta stamped with the billing id', () => {
      expect(delivered.drivers).toHaveLength(4);
      expect(byContract('drivers', 'example/1.3.0')).toHaveLength(2);
      expect(byContract('drivers', 'clickstream/1.0.0')).toHaveLength(2);
      for (const event of delivered.drivers!) {
        const meta = event.strmMeta as Record<string, unknown>;
        expect(meta).toEqual(
          expect.objectContaining({
            billingId,
            nonce: expect.any(Number),
            timestamp: expect.any(Number),
            keyLink: expect.any(String),
            consentLevels: expect.any(Array),
          }),
        );
      }
      for (const event of byContract('drivers', 'example/1.3.0')) {
        expect(isCiphertext(event.uniqueIdentifier)).toBe(true);
        expect(isCiphertext(event.consistentValue)).toBe(true);
        expect(isCiphertext(event.someSensitiveValue)).toBe(true);
        expect(event.notSensitiveValue).toMatch(/^not-sensitive-\d$/);
      }
      for (const event of byContract('drivers', 'clickstream/1.0.0')) {
        expect(isCiphertext(event.producerSessionId)).toBe(true);
        expect(isCiphertext((event.customer as { id: string }).id)).toBe(true);
      }
    });

    it('drivers-0 (CUMULATIVE 0) gets all four, with only the level-0 field (customer/id) decrypted', () => {
      const demo = byContract('drivers-0', 'example/1.3.0');
      const clicks = byContract('drivers-0', 'clickstream/1.0.0');
      expect(delivered['drivers-0']).toHaveLength(4);
      expect(demo).toHaveLength(2);
      expect(clicks).toHaveLength(2);
      for (const event of demo) {
        expect(isCiphertext(event.uniqueIdentifier)).toBe(true);
        expect(isCiphertext(event.consistentValue)).toBe(true);
        expect(isCiphertext(event.someSensitiveValue)).toBe(true);
      }
      expect(clicks.map((e) => (e.customer as { id: string }).id).sort()).toEqual([
        'customer-0',
        'customer-1',
      ]);
      for (const event of clicks) expect(isCiphertext(event.producerSessionId)).toBe(true);
    });

    it('drivers-1 (CUMULATIVE 1) gets only the two [0,1] events, with the level-0 and level-1 fields decrypted', () => {
      const demo = byContract('drivers-1', 'example/1.3.0');
      const clicks = byContract('drivers-1', 'clickstream/1.0.0');
      expect(delivered['drivers-1']).toHaveLength(2);
      expect(demo).toHaveLength(1);
      expect(clicks).toHaveLength(1);
      expect(demo[0]).toMatchObject({ uniqueIdentifier: 'unique-1', strmMeta: { consentLevels: [0, 1] } });
      expect(isCiphertext(demo[0]!.consistentValue)).toBe(true);
      expect(isCiphertext(demo[0]!.someSensitiveValue)).toBe(true);
      expect(clicks[0]).toMatchObject({
        producerSessionId: 'click-session-1',
        customer: { id: 'customer-1' },
      });
    });
  });

  describe('tokens, Stream Machine era (STS /auth and /refresh)', () => {
    let sts: StsToken;

    beforeAll(async () => {
      const { clientId, clientSecret } = credentials.drivers!;
      sts = await new StsTokenClient(stack.apiUrl, billingId, clientId, clientSecret).authenticate();
    });

    it('answers idToken, refreshToken and expiresAt for the billing id and client credentials', () => {
      expect(sts).toEqual({
        idToken: expect.any(String),
        refreshToken: expect.any(String),
        expiresAt: expect.any(Number),
      });
      expect(msBeforeRefresh(sts.expiresAt)).toBeGreaterThan(13 * 60_000);
    });

    it('refreshes when the whole old token is posted to /refresh', async () => {
      const { clientId, clientSecret } = credentials.drivers!;
      const refreshed = await new StsTokenClient(stack.apiUrl, billingId, clientId, clientSecret).refresh(
        sts,
      );
      expect(refreshed.idToken).toEqual(expect.any(String));
    });

    it('refuses another billing id with 401', async () => {
      const { clientId, clientSecret } = credentials.drivers!;
      const wrong = new StsTokenClient(stack.apiUrl, 'other0000000000', clientId, clientSecret);
      await expect(wrong.authenticate()).rejects.toMatchObject({ status: 401 });
    });

    it('its idToken sends Avro events', async () => {
      const stsSender = new AvroSender(stack.apiUrl, () => sts.idToken);
      try {
        await expect(
          stsSender.send('streammachine/demo/1.0.2', DEMO_1_0_2_AVRO, demoEvent(7, [0])),
        ).resolves.toEqual({ status: 204 });
      } finally {
        stsSender.close();
      }
    });
  });
});
