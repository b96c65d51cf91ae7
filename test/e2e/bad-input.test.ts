import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import WebSocket from 'ws';
import { localEndpointOfEnv, localKinesisClient } from '../../local/local-clients';
import { LOCAL_STREAMS } from '../../local/resources';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { CapturedOutput } from '../support/captured-output';
import { clickstreamEvent } from '../support/factories';

/**
 * Bad input and security through the running local stack (real gateway, real handlers): every bad
 * request gets the right 4xx with a clear reason, nothing is written, and the same process keeps
 * serving; WebSocket subscribers only ever see their own stream; accounts never see each other.
 */

type Created = { stream: { name: string }; credentials: { clientId: string; clientSecret: string } };

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('bad input and security, through the local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ps-bad-input-'));
  const captured = new CapturedOutput();
  let stack: LocalStack;
  let api: string;
  let mine: { user: string; source: string; derived: string };
  let theirs: { user: string; source: string };

  async function request(path: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
    const response = await fetch(`${api}${path}`, init);
    return { status: response.status, text: await response.text() };
  }

  async function json<T>(path: string, body: unknown, token?: string): Promise<T> {
    const response = await request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (response.status >= 300) throw new Error(`${path} → ${response.status} ${response.text}`);
    return JSON.parse(response.text) as T;
  }

  async function account(email: string): Promise<string> {
    await json('/v1/accounts', { email, password: 'a long enough password' });
    return (
      await json<{ accessToken: string }>('/v1/auth/login', { email, password: 'a long enough password' })
    ).accessToken;
  }

  async function streamToken(created: Created): Promise<string> {
    const response = await request('/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: created.credentials.clientId,
        client_secret: created.credentials.clientSecret,
      }),
    });
    return (JSON.parse(response.text) as { access_token: string }).access_token;
  }

  const postEvent = (
    body: string | Buffer,
    token: string | undefined,
    headers: Record<string, string> = {},
  ) =>
    request('/event', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...headers,
      },
      body,
    });

  async function sourceRecordCount(): Promise<number> {
    const kinesis = localKinesisClient(localEndpointOfEnv(stack.environmentOf('ingest'), 'KINESIS'));
    let count = 0;
    const { Shards = [] } = await kinesis.send(
      new ListShardsCommand({ StreamName: LOCAL_STREAMS.sourceEvents }),
    );
    for (const shard of Shards) {
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: LOCAL_STREAMS.sourceEvents,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      count += (await kinesis.send(new GetRecordsCommand({ ShardIterator }))).Records?.length ?? 0;
    }
    kinesis.destroy();
    return count;
  }

  beforeAll(async () => {
    captured.start();
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    stack = await startLocalStack({ port: 0, dataDir, log: captured.add });
    api = stack.apiUrl;

    const user = await account('me@example.com');
    const source = await json<Created>('/v1/streams', { name: 'winston' }, user);
    const derived = await json<Created>('/v1/streams', { linkedStream: 'winston', consentLevels: [0] }, user);
    mine = { user, source: await streamToken(source), derived: await streamToken(derived) };

    const otherUser = await account('them@example.com');
    const otherSource = await json<Created>('/v1/streams', { name: 'their-stream' }, otherUser);
    theirs = { user: otherUser, source: await streamToken(otherSource) };
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    captured.stop();
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('POST /event', () => {
    const valid = () => clickstreamEvent({ customer: { id: 'customer-secret-1234' } });
    const forged = () => {
      const [header, payload] = mine.source.split('.');
      return `${header}.${payload}.${Buffer.alloc(32, 7).toString('base64url')}`;
    };
    const algNone = () => {
      const payload = JSON.parse(Buffer.from(mine.source.split('.')[1], 'base64url').toString());
      return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
    };

    it.each([
      ['malformed JSON', () => '{"strmMeta": ', 400, /malformed JSON/],
      [
        'an unknown contract',
        () => JSON.stringify(clickstreamEvent({ strmMeta: { eventContractRef: 'nobody/nothing/9.9.9' } })),
        400,
        /nobody\/nothing\/9\.9\.9/,
      ],
      [
        'a missing key field',
        () => JSON.stringify(clickstreamEvent({ producerSessionId: undefined })),
        400,
        /producerSessionId/,
      ],
      [
        'an empty key field',
        () => JSON.stringify(clickstreamEvent({ producerSessionId: '' })),
        400,
        /producerSessionId/,
      ],
      [
        'a PII field that is not a string',
        () => JSON.stringify(clickstreamEvent({ customer: { id: 42 } })),
        400,
        /customer\/id/,
      ],
      [
        'consentLevels of the wrong type',
        () => JSON.stringify(clickstreamEvent({ strmMeta: { consentLevels: '0,1' } })),
        400,
        /consentLevels/,
      ],
      ['a failed validation', () => JSON.stringify(clickstreamEvent({ url: 'not a url' })), 400, /url/],
    ])('answers %s with 400 and a reason naming it', async (_, body, status, reason) => {
      const response = await postEvent(body(), mine.source);
      expect(response.status).toBe(status);
      expect(response.text).toMatch(reason);
    });

    it('answers a body over 1 MiB with 413', async () => {
      const big = JSON.stringify(clickstreamEvent({ referrer: 'x'.repeat(1_100_000) }));
      expect((await postEvent(big, mine.source)).status).toBe(413);
    });

    it.each([
      ['no token', () => undefined],
      ['a forged token', forged],
      ['an alg:none token', algNone],
      ['garbage', () => 'not-a-token'],
      ["a user's management token", () => mine.user],
    ])('answers %s with 401', async (_, token) => {
      expect((await postEvent(JSON.stringify(valid()), token())).status).toBe(401);
    });

    it("answers a derived stream's credentials with 403", async () => {
      const response = await postEvent(JSON.stringify(valid()), mine.derived);
      expect(response.status).toBe(403);
      expect(response.text).toMatch(/source stream/);
    });

    it('has written nothing for any of them, and still accepts a valid event', async () => {
      expect(await sourceRecordCount()).toBe(0);
      expect((await postEvent(JSON.stringify(valid()), mine.source)).status).toBe(204);
      expect(await sourceRecordCount()).toBe(1);
    });

    it('never logs the rejected values', () => {
      const logs = captured.text();
      expect(logs).not.toContain('customer-secret-1234');
      expect(logs).not.toContain('not a url');
      expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ/);
    });
  });

  describe('management routes of another account', () => {
    it.each([
      ['GET', '/v1/streams/their-stream'],
      ['DELETE', '/v1/streams/their-stream'],
      ['DELETE', '/v1/streams/their-stream?recursive=true'],
      ['GET', '/v1/streams/their-stream/usage'],
    ])('%s %s answers 404 and changes nothing', async (method, path) => {
      const response = await request(path, { method, headers: { authorization: `Bearer ${mine.user}` } });
      expect(response.status).toBe(404);
      expect(JSON.parse(response.text)).toEqual({
        error: { code: expect.any(String), message: expect.any(String) },
      });
      const still = await request('/v1/streams/their-stream', {
        headers: { authorization: `Bearer ${theirs.user}` },
      });
      expect(still.status).toBe(200);
    });

    it('cannot derive a stream from it', async () => {
      const response = await request('/v1/streams', {
        method: 'POST',
        headers: { authorization: `Bearer ${mine.user}`, 'content-type': 'application/json' },
        body: JSON.stringify({ linkedStream: 'their-stream', consentLevels: [0] }),
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    });

    it('does not list it', async () => {
      const response = await request('/v1/streams', { headers: { authorization: `Bearer ${mine.user}` } });
      expect(response.text).not.toContain('their-stream');
    });
  });

  describe('the WebSocket egress', () => {
    function connect(token: string, query = ''): Promise<{ ws: WebSocket; frames: string[] }> {
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(`${stack.wsUrl}${query}`, { headers: { authorization: `Bearer ${token}` } });
        const frames: string[] = [];
        ws.on('message', (data) => frames.push(String(data)));
        ws.once('open', () => resolve({ ws, frames }));
        ws.once('unexpected-response', (_req, res) =>
          reject(new Error(`upgrade refused: ${res.statusCode}`)),
        );
        ws.once('error', reject);
      });
    }

    it.each([
      ['garbage', 'nope'],
      ['a forged token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdHJlYW0iOiJ3aW5zdG9uIn0.AAAA'],
    ])('refuses the upgrade for %s', async (_, token) => {
      await expect(connect(token)).rejects.toThrow(/upgrade refused: 40[13]/);
    });

    it("delivers a stream's events only to that stream's subscribers, whatever the URL asks for", async () => {
      const derived = await connect(mine.derived);
      const source = await connect(mine.source, '?stream=their-stream');
      const other = await connect(theirs.source, '?stream=winston');
      // Earlier tests' events may still be on their way: look for this one by its url.
      const url = 'https://www.streammachine.io/isolation-check';
      const mark = (frames: string[]) => frames.filter((f) => JSON.parse(f).url === url);
      const event = clickstreamEvent({ url, strmMeta: { consentLevels: [0] } });
      expect((await postEvent(JSON.stringify(event), mine.source)).status).toBe(204);
      const deadline = Date.now() + 15_000;
      while ((mark(derived.frames).length < 1 || mark(source.frames).length < 1) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, 500));
      for (const c of [derived, source, other]) c.ws.close();
      expect(mark(source.frames)).toHaveLength(1);
      expect(JSON.parse(mark(source.frames)[0]).customer.id).not.toBe('customer-session-42');
      expect(mark(derived.frames)).toHaveLength(1);
      expect(JSON.parse(mark(derived.frames)[0]).customer.id).toBe('customer-session-42');
      expect(other.frames).toEqual([]);
    });
  });
});
