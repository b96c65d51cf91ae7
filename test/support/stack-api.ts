import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import WebSocket from 'ws';

/**
 * The public API of a running local stack as the security, fuzz and crash tests use it: plain fetch and
 * ws, no CLI. Every helper resolves with the status and parsed body, so tests assert on the wire answer.
 */
export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary response shapes
  body: any;
}

export async function request(
  url: string,
  init: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: the text itself
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Signs up (open mode) and logs in; the session's tokens. */
export async function signedInUser(apiUrl: string, email: string, password: string) {
  const created = await request(`${apiUrl}/v1/accounts`, { body: { email, password } });
  if (created.status !== 201)
    throw new Error(`sign-up failed: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await request(`${apiUrl}/v1/auth/login`, { body: { email, password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  return login.body as { accessToken: string; refreshToken: string; accountId: string };
}

export interface Credentials {
  clientId: string;
  clientSecret: string;
}

/** Creates a stream; its client credentials. */
export async function createStream(apiUrl: string, token: string, body: object): Promise<Credentials> {
  const created = await request(`${apiUrl}/v1/streams`, { body, token });
  if (created.status !== 201)
    throw new Error(`stream not created: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.credentials;
}

/** OAuth2 client credentials → the token endpoint's answer. */
export async function streamTokenAnswer(apiUrl: string, c: Credentials): Promise<Answer> {
  return request(`${apiUrl}/auth/token`, {
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
    }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

export async function streamToken(apiUrl: string, c: Credentials): Promise<string> {
  const answer = await streamTokenAnswer(apiUrl, c);
  if (answer.status !== 200) throw new Error(`no stream token: ${answer.status}`);
  return answer.body.access_token;
}

/** A clickstream event for a session, with these consent levels and a marker to find it by. */
export function clickEvent(session: string, marker: string, consentLevels: number[] = [0, 1]) {
  return {
    strmMeta: { eventContractRef: 'streammachine/clickstream/1.0.0', consentLevels },
    producerSessionId: session,
    url: `https://example.com/page?marker=${encodeURIComponent(marker)}`,
    eventType: '',
    referrer: '',
    userAgent: '',
    conversion: 0,
    customer: { id: `customer-of-${session}` },
    abTests: [],
  };
}

export function sendEvent(apiUrl: string, token: string, event: unknown): Promise<Answer> {
  return request(`${apiUrl}/event`, { body: event, token });
}

/** A WebSocket subscriber: its frames as parsed JSON, and a promise of its close code. */
export async function subscribe(wsUrl: string, token: string) {
  const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
  const frames: unknown[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, frames, closed };
}

/** Resolves once `check` holds; fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every record of a Kinesis stream from the start of each shard, as parsed envelopes. */
export async function readAllRecords<T = unknown>(kinesis: KinesisClient, streamName: string): Promise<T[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const out: T[] = [];
  for (const shard of Shards) {
    let { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    while (ShardIterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
      for (const record of page.Records ?? [])
        out.push(JSON.parse(Buffer.from(record.Data!).toString('utf8')));
      if (!page.Records?.length) break;
      ShardIterator = page.NextShardIterator;
    }
  }
  return out;
}
