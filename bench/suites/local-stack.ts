import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { type BenchRow, type BenchSuite, fullOrQuick } from '../harness';
import { clickstreamEvent, type LoadPlan, type LoadReport } from '../load/load-client';
import { runLoad } from '../load/processes';
import { LIMIT_BATCH_CASE, LIMIT_SINGLE_CASE, measureLimit } from './limit';

/**
 * The local stack end to end, on this machine: a load client in a process of its own POSTs clickstream
 * events to `winston` — one per `POST /event`, or 100 per `POST /events` — the decrypter writes
 * `winston-0` and `winston-1`, and a WebSocket subscriber on each derived stream (batched frames on
 * `winston-0`, as `strm egress` asks; one event per frame on `winston-1`, the drivers' default) times every
 * event from its POST to its frame. Paced at 100 events/s (latency: cold on a fresh stack, then warm) and
 * flat out (throughput), each rate also as a ratio to the `limit` suite's bare server of the same run.
 */

const NAME = 'local-stack';
const DURATION_MS = fullOrQuick(8_000, 2_000);
const SESSIONS = 200;
const PACED_RATE = 100;
const DRAIN_MS = fullOrQuick(30_000, 10_000);
const IN_PROCESS_MS = fullOrQuick(4_000, 1_000);

type Tokens = Record<'winston' | 'winston-0' | 'winston-1', string>;

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
async function setUp(apiUrl: string): Promise<Tokens> {
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

const SUBSCRIBERS = [
  { name: 'winston-0', batch: true, label: 'batched frames' },
  { name: 'winston-1', batch: false, label: 'one event per frame' },
] as const;

interface Phase {
  label: string;
  batchSize: number;
  producers: number;
  ratePerSec?: number;
  firstId: number;
}

/** One phase: the load client's run against the stack, as rows (with ratios to `limit` where given). */
async function endToEnd(
  stack: LocalStack,
  tokens: Tokens,
  phase: Phase,
  limit?: number,
): Promise<BenchRow[]> {
  const plan: LoadPlan = {
    apiUrl: stack.apiUrl,
    token: tokens.winston,
    batchSize: phase.batchSize,
    producers: phase.producers,
    durationMs: DURATION_MS,
    ratePerSec: phase.ratePerSec,
    firstId: phase.firstId,
    sessions: SESSIONS,
    subscribers: SUBSCRIBERS.map((s) => ({
      name: s.name,
      wsUrl: stack.wsUrl,
      token: tokens[s.name],
      batch: s.batch,
    })),
    drainMs: DRAIN_MS,
  };
  const report: LoadReport = await runLoad(plan);
  if (report.rejected > 0) {
    throw new Error(`local-stack bench: ${report.rejected} events refused (${report.refusals.join('; ')})`);
  }
  const ratio = (opsPerSec: number) =>
    limit === undefined ? {} : { baseline: limit, ratio: limit > 0 ? opsPerSec / limit : 0 };
  const accepted = report.accepted / report.sendSeconds;
  const rows: BenchRow[] = [
    { suite: NAME, case: `ingest accepted (${phase.label})`, opsPerSec: accepted, ...ratio(accepted) },
  ];
  for (const subscriber of SUBSCRIBERS) {
    const received = report.received[subscriber.name]!;
    const delivered = received.count / Math.max(received.seconds, report.sendSeconds);
    rows.push({
      suite: NAME,
      case: `delivered to ${subscriber.name}, ${subscriber.label}, POST → frame (${phase.label}; ${received.count}/${report.accepted})`,
      opsPerSec: delivered,
      ...ratio(delivered),
      p50Ms: received.p50Ms,
      p99Ms: received.p99Ms,
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
      body: JSON.stringify(clickstreamEvent(id, SESSIONS)),
      isBase64Encoded: false,
    };
  };
  const concurrency = 8;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = worker; performance.now() - started < IN_PROCESS_MS; i += concurrency) {
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

/** The limit rows of this run (the `limit` suite ran first), or measured now. */
async function limitRates(rowsSoFar: readonly BenchRow[]): Promise<{ single: number; batch: number }> {
  let rows = rowsSoFar.filter((row) => row.suite === 'limit');
  if (rows.length === 0) rows = await measureLimit();
  const rate = (name: string) => rows.find((row) => row.case.startsWith(name))?.opsPerSec ?? 0;
  return { single: rate(LIMIT_SINGLE_CASE), batch: rate(LIMIT_BATCH_CASE) };
}

export const suite: BenchSuite = {
  name: NAME,
  async run(rowsSoFar = []): Promise<BenchRow[]> {
    const limit = await limitRates(rowsSoFar);
    const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    const dataDir = mkdtempSync(join(tmpdir(), 'ps-bench-'));
    const stack = await startLocalStack({ port: 0, dataDir, quiet: true, log: () => undefined });
    try {
      const tokens = await setUp(stack.apiUrl);
      const paced = { batchSize: 1, producers: 16, ratePerSec: PACED_RATE };
      // Cold: a fresh stack, JIT warming up, and the first event of each of the SESSIONS sessions creating
      // its key link (a conditional write at ingest, a cache miss in the decrypter). Warm: the same again.
      const rows = await endToEnd(stack, tokens, {
        ...paced,
        label: `paced ${PACED_RATE}/s, cold`,
        firstId: 0,
      });
      rows.push(
        ...(await endToEnd(stack, tokens, { ...paced, label: `paced ${PACED_RATE}/s, warm`, firstId: 1e6 })),
      );
      rows.push(
        ...(await endToEnd(
          stack,
          tokens,
          { label: 'POST /event, 32 producers, saturated', batchSize: 1, producers: 32, firstId: 2e6 },
          limit.single,
        )),
      );
      rows.push(
        ...(await endToEnd(
          stack,
          tokens,
          { label: 'POST /events × 100, 4 producers, saturated', batchSize: 100, producers: 4, firstId: 3e6 },
          limit.batch,
        )),
      );
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
