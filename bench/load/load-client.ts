/**
 * The bench's outside world, in a process of its own (so that it does not share the measured server's
 * event loop): producers that POST clickstream events — one per `POST /event`, or N per `POST /events` —
 * flat out or paced to a total rate, and optionally WebSocket subscribers that time every event from its
 * POST to its frame. Started by `runLoad` (bench/load/run-load.ts) with a JSON plan; answers one JSON
 * report over IPC. Events carry their id in the (non-PII) url, so a frame names the POST it came from.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { percentile } from '../harness';
import { RawHttpClient } from './raw-http';

export interface LoadPlan {
  apiUrl: string;
  /** Bearer token for the source stream. */
  token: string;
  /** Events per request: 1 = `POST /event`, more = `POST /events` with a JSON array. */
  batchSize: number;
  /** Requests in flight at once. */
  producers: number;
  durationMs: number;
  /** Total events per second; flat out when absent. */
  ratePerSec?: number;
  /** The first event id (ids must not repeat within a stack's run). */
  firstId: number;
  sessions: number;
  /** Subscribers to time: a WebSocket URL with its token each; `batch` asks for batched frames. */
  subscribers: { name: string; wsUrl: string; token: string; batch: boolean }[];
  /** How long to wait for the subscribers to catch up after the last POST. */
  drainMs: number;
}

export interface LoadReport {
  accepted: number;
  rejected: number;
  requests: number;
  sendSeconds: number;
  /** Per subscriber: events received, over how long (from the first POST), and POST → frame latencies (ms). */
  received: Record<string, { count: number; seconds: number; p50Ms?: number; p99Ms?: number }>;
  /** A few statuses of refused requests, to say why. */
  refusals: string[];
}

export function clickstreamEvent(id: number, sessions: number): Record<string, unknown> {
  const session = `session-${id % sessions}`;
  return {
    strmMeta: { eventContractRef: 'streammachine/clickstream/1.0.0', consentLevels: [0, 1] },
    producerSessionId: session,
    url: `https://bench.example/page?id=${id}`,
    eventType: 'view',
    referrer: '',
    userAgent: 'bench',
    conversion: 0,
    customer: { id: `customer-${session}` },
    abTests: [],
  };
}

function idOf(event: { url?: unknown }): number {
  return Number(new URL(String(event.url)).searchParams.get('id'));
}

async function subscribe(
  subscriber: LoadPlan['subscribers'][number],
  onEvent: (id: number) => void,
): Promise<WebSocket> {
  const url = `${subscriber.wsUrl}${subscriber.batch ? '?batch=true' : ''}`;
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${subscriber.token}` } });
  ws.on('message', (data) => {
    const parsed = JSON.parse(String(data)) as { url?: unknown } | { url?: unknown }[];
    for (const event of Array.isArray(parsed) ? parsed : [parsed]) onEvent(idOf(event));
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

export async function runPlan(plan: LoadPlan): Promise<LoadReport> {
  const http = await RawHttpClient.open(plan.apiUrl, plan.producers);
  const headers = {
    authorization: `Bearer ${plan.token}`,
    'content-type': 'application/json',
    'strm-schema-ref': 'streammachine/clickstream/1.0.0',
  };
  const sentAt = new Map<number, number>();
  const latencies = new Map<string, number[]>(plan.subscribers.map((s) => [s.name, []]));
  const lastAt = new Map<string, number>();
  const sockets = await Promise.all(
    plan.subscribers.map((s) =>
      subscribe(s, (id) => {
        const start = sentAt.get(id);
        if (start === undefined) return;
        const now = performance.now();
        latencies.get(s.name)!.push(now - start);
        lastAt.set(s.name, now);
      }),
    ),
  );
  const single = plan.batchSize === 1;
  const path = single ? '/event' : '/events';
  const report: LoadReport = {
    accepted: 0,
    rejected: 0,
    requests: 0,
    sendSeconds: 0,
    received: {},
    refusals: [],
  };
  const timed = plan.subscribers.length > 0;
  const bodyOf = (ids: number[]) => {
    const events = ids.map((id) => clickstreamEvent(id, plan.sessions));
    return JSON.stringify(single ? events[0] : events);
  };
  const pool = timed
    ? []
    : Array.from({ length: 64 }, (_, k) =>
        bodyOf(Array.from({ length: plan.batchSize }, (_, i) => plan.firstId + k * plan.batchSize + i)),
      );
  let nextId = plan.firstId;
  const started = performance.now();
  const producer = async () => {
    while (performance.now() - started < plan.durationMs) {
      if (plan.ratePerSec !== undefined) {
        const due = ((nextId - plan.firstId) * 1000) / plan.ratePerSec - (performance.now() - started);
        if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
        if (performance.now() - started >= plan.durationMs) break;
      }
      const ids = Array.from({ length: plan.batchSize }, () => nextId++);
      // Without subscribers nothing matches frames to POSTs: bodies come from a pool, so that the client
      // spends its core on requests, not on building events.
      const body = timed ? bodyOf(ids) : pool[ids[0]! % pool.length]!;
      if (timed) {
        const now = performance.now();
        for (const id of ids) sentAt.set(id, now);
      }
      const { status, body: text } = await http.post(path, headers, body);
      report.requests++;
      if (single) {
        if (status === 204) report.accepted++;
        else {
          report.rejected++;
          if (report.refusals.length < 5) report.refusals.push(`${status} ${text.slice(0, 120)}`);
        }
        continue;
      }
      if (status !== 200) {
        report.rejected += ids.length;
        if (report.refusals.length < 5) report.refusals.push(`${status} ${text.slice(0, 120)}`);
        continue;
      }
      const answer = JSON.parse(text) as { accepted: number; rejected: number };
      report.accepted += answer.accepted;
      report.rejected += answer.rejected;
    }
  };
  await Promise.all(Array.from({ length: plan.producers }, producer));
  report.sendSeconds = (performance.now() - started) / 1000;
  const deadline = performance.now() + plan.drainMs;
  const behind = () => [...latencies.values()].some((list) => list.length < report.accepted);
  while (plan.subscribers.length > 0 && behind() && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const [name, list] of latencies) {
    const last = lastAt.get(name) ?? performance.now();
    report.received[name] = {
      count: list.length,
      seconds: (last - started) / 1000,
      p50Ms: percentile(list, 0.5),
      p99Ms: percentile(list, 0.99),
    };
  }
  for (const ws of sockets) ws.close();
  http.close();
  return report;
}

if (require.main === module) {
  process.once('message', (plan: LoadPlan) => {
    runPlan(plan).then(
      (report) => process.send!(report, () => process.exit(0)),
      (error: unknown) => {
        console.error(`load client failed: ${(error as Error)?.message}`);
        process.exit(1);
      },
    );
  });
}
