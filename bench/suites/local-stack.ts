import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import WebSocket from 'ws';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { type BenchRow, type BenchSuite, percentile } from '../harness';

/**
 * The local stack end to end, on this machine: concurrent producers POST clickstream events to `winston`;
 * the decrypter writes `winston-0` and `winston-1`; a WebSocket subscriber on each derived stream receives
 * them. Reports sustained events/s and POST→frame latency. Then the ingest handler alone, in-process.
 * Emulators, gateway and pollers share one thread; each function runs in its own worker thread.
 */

const NAME = 'local-stack';
const PRODUCERS = 16;
const DURATION_MS = 8_000;
const SESSIONS = 200;
/** A total rate well below saturation, for latency without queueing. */
const PACED_RATE = 100;

interface StreamCredentials {
  clientId: string;
  clientSecret: string;
}

async function call<T>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    method: rest.method ?? (json === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...(rest.headers as Record<string, string>) },
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'POST'} ${url} → ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function streamToken(apiUrl: string, credentials: StreamCredentials): Promise<string> {
  const response = await fetch(`${apiUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** An account with `winston`, `winston-0` and `winston-1`, and a stream token for each. */
async function setUp(apiUrl: string): Promise<Record<'winston' | 'winston-0' | 'winston-1', string>> {
  const email = 'bench@example.com';
  const password = 'bench password, long enough';
  await call(`${apiUrl}/v1/accounts`, { json: { email, password } });
  const { accessToken } = await call<{ accessToken: string }>(`${apiUrl}/v1/auth/login`, {
    json: { email, password },
  });
  const headers = { authorization: `Bearer ${accessToken}` };
  const create = (body: unknown) =>
    call<{ credentials: StreamCredentials }>(`${apiUrl}/v1/streams`, { json: body, headers });
  const source = await create({ name: 'winston' });
  const zero = await create({ linkedStream: 'winston', consentLevels: [0] });
  const one = await create({ linkedStream: 'winston', consentLevels: [1] });
  return {
    winston: await streamToken(apiUrl, source.credentials),
    'winston-0': await streamToken(apiUrl, zero.credentials),
    'winston-1': await streamToken(apiUrl, one.credentials),
  };
}

function eventBody(id: number): string {
  const session = `session-${id % SESSIONS}`;
  return JSON.stringify({
    strmMeta: { eventContractRef: 'streammachine/clickstream/1.0.0', consentLevels: [0, 1] },
    producerSessionId: session,
    // The non-PII url carries the id, so a subscriber can match a frame to its POST.
    url: `https://bench.example/page?id=${id}`,
    eventType: 'view',
    referrer: '',
    userAgent: 'bench',
    conversion: 0,
    customer: { id: `customer-${session}` },
    abTests: [],
  });
}

function subscribe(wsUrl: string, token: string, onEvent: (id: number) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
    ws.on('message', (data) => {
      const url = (JSON.parse(String(data)) as { url: string }).url;
      onEvent(Number(new URL(url).searchParams.get('id')));
    });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * Producers POST for DURATION_MS; with `ratePerSec` they pace themselves to that total rate (latency at a
 * load the pipeline sustains), without it they send as fast as answers come back (maximum throughput).
 */
async function endToEnd(
  stack: LocalStack,
  tokens: Record<string, string>,
  firstId: number,
  ratePerSec?: number,
  phase = '',
): Promise<BenchRow[]> {
  const sentAt = new Map<number, number>();
  const latencies: Record<string, number[]> = { 'winston-0': [], 'winston-1': [] };
  const sockets = await Promise.all(
    (['winston-0', 'winston-1'] as const).map((stream) =>
      subscribe(stack.wsUrl, tokens[stream], (id) => {
        const start = sentAt.get(id);
        if (start !== undefined) latencies[stream].push(performance.now() - start);
      }),
    ),
  );
  let nextId = firstId;
  let accepted = 0;
  let rejected = 0;
  const started = performance.now();
  const producer = async () => {
    while (performance.now() - started < DURATION_MS) {
      if (ratePerSec !== undefined) {
        // Event k is due at k / rate seconds after the start.
        const due = ((nextId - firstId) * 1000) / ratePerSec - (performance.now() - started);
        if (due > 0) await new Promise((r) => setTimeout(r, due));
        if (performance.now() - started >= DURATION_MS) break;
      }
      const id = nextId++;
      sentAt.set(id, performance.now());
      const response = await fetch(`${stack.apiUrl}/event`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.winston}`,
          'content-type': 'application/json',
          'strm-schema-ref': 'streammachine/clickstream/1.0.0',
        },
        body: eventBody(id),
      });
      await response.arrayBuffer();
      if (response.status === 204) accepted++;
      else rejected++;
    }
  };
  await Promise.all(Array.from({ length: PRODUCERS }, producer));
  const sendSeconds = (performance.now() - started) / 1000;
  // Let the pipeline drain (bounded), then measure delivery over the whole run.
  const drainDeadline = performance.now() + 30_000;
  while (
    performance.now() < drainDeadline &&
    (latencies['winston-0'].length < accepted || latencies['winston-1'].length < accepted)
  ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const totalSeconds = (performance.now() - started) / 1000;
  for (const ws of sockets) ws.close();
  if (rejected > 0) throw new Error(`local-stack bench: ${rejected} events were rejected`);

  const load = `${ratePerSec === undefined ? `${PRODUCERS} producers, saturated` : `paced at ${ratePerSec}/s`}${phase}`;
  const rows: BenchRow[] = [
    {
      suite: NAME,
      case: `ingest accepted, POST /event → 204 (${load})`,
      opsPerSec: accepted / sendSeconds,
    },
  ];
  for (const stream of ['winston-0', 'winston-1'] as const) {
    const received = latencies[stream];
    rows.push({
      suite: NAME,
      case: `delivered to a ${stream} subscriber, POST → frame (${load}; ${received.length}/${accepted})`,
      opsPerSec: received.length / totalSeconds,
      p50Ms: percentile(received, 0.5),
      p99Ms: percentile(received, 0.99),
    });
  }
  return rows;
}

/** The ingest handler called directly (no HTTP), with its real clients against the in-process emulators. */
async function ingestInProcess(
  apiUrl: string,
  token: string,
  env: Record<string, string>,
): Promise<BenchRow> {
  // The stack gives each function its environment in its own worker; here ingest runs in this process.
  Object.assign(process.env, env);
  const { handler } = require('../../lambdas/handlers/ingest') as {
    handler: (event: APIGatewayProxyEventV2, context: unknown) => Promise<{ statusCode: number }>;
  };
  const host = new URL(apiUrl).host;
  const request = (id: number): APIGatewayProxyEventV2 => {
    const now = Date.now();
    return {
      version: '2.0',
      routeKey: 'POST /event',
      rawPath: '/event',
      rawQueryString: '',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'strm-schema-ref': 'streammachine/clickstream/1.0.0',
        host,
      },
      requestContext: {
        accountId: '000000000000',
        apiId: 'bench',
        domainName: host,
        domainPrefix: 'bench',
        http: {
          method: 'POST',
          path: '/event',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'bench',
        },
        requestId: `bench-${id}`,
        routeKey: 'POST /event',
        stage: '$default',
        time: new Date(now).toISOString(),
        timeEpoch: now,
      },
      body: eventBody(id),
      isBase64Encoded: false,
    };
  };
  const concurrency = 8;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() - started < 4_000; i += concurrency) {
        const result = await handler(request(10_000_000 + i), {});
        if (result.statusCode !== 204) throw new Error(`ingest bench: status ${result.statusCode}`);
        done++;
      }
    }),
  );
  return {
    suite: NAME,
    case: 'ingest handler in-process (8 in flight, incl. kinesalite PutRecord in the same process)',
    opsPerSec: done / ((performance.now() - started) / 1000),
  };
}

export const suite: BenchSuite = {
  name: NAME,
  async run(): Promise<BenchRow[]> {
    const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    const dataDir = mkdtempSync(join(tmpdir(), 'ps-bench-'));
    const stack = await startLocalStack({ port: 0, dataDir, quiet: true, log: () => undefined });
    try {
      const tokens = await setUp(stack.apiUrl);
      // Cold: a fresh stack, JIT warming up, and the first event of each of the SESSIONS sessions creating
      // its key link (a conditional write at ingest, a cache miss in the decrypter). Warm: the same again.
      const rows = await endToEnd(stack, tokens, 0, PACED_RATE, ', cold');
      rows.push(...(await endToEnd(stack, tokens, 500_000, PACED_RATE, ', warm')));
      rows.push(...(await endToEnd(stack, tokens, 1_000_000)));
      rows.push(await ingestInProcess(stack.apiUrl, tokens.winston, stack.environmentOf('ingest')));
      return rows;
    } finally {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (previousLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
      else process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
    }
  },
};
