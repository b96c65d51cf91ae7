import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type WebSocket from 'ws';
import { WebSocketServer } from 'ws';
import { type LoadPlan, runPlan } from '../../../bench/load/load-client';

/**
 * The bench's load client against a stand-in API whose answers are known: every event whose id is a
 * multiple of 3 is refused, every other one accepted and sent at once to each subscriber (an array per
 * POST to a batched subscriber, one frame per event otherwise). The report must count exactly that.
 */
interface FakeApi {
  apiUrl: string;
  wsUrl: string;
  close(): Promise<void>;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    req.on('end', () => resolve(JSON.parse(text)));
  });
}

const idOf = (event: { url: string }) => Number(new URL(event.url).searchParams.get('id'));

async function startFakeApi(): Promise<FakeApi> {
  const subscribers = new Set<{ ws: WebSocket; batch: boolean }>();
  const deliver = (events: { url: string }[]) => {
    for (const { ws, batch } of subscribers) {
      if (batch) ws.send(JSON.stringify(events));
      else for (const event of events) ws.send(JSON.stringify(event));
    }
  };
  const api: Server = createServer(async (req, res) => {
    const body = await readJson(req);
    const events = (Array.isArray(body) ? body : [body]) as { url: string }[];
    const accepted = events.filter((event) => idOf(event) % 3 !== 0);
    if (accepted.length) deliver(accepted);
    if (req.url === '/event') {
      res.writeHead(accepted.length ? 204 : 400).end();
      return;
    }
    const answer = JSON.stringify({ accepted: accepted.length, rejected: events.length - accepted.length });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
  let listening: () => void = () => undefined;
  const sockets = new WebSocketServer({ port: 0, host: '127.0.0.1' }, () => listening());
  const socketsReady = new Promise<void>((resolve) => {
    listening = resolve;
  });
  sockets.on('connection', (ws, req) => {
    const entry = { ws, batch: (req.url ?? '').includes('batch=true') };
    subscribers.add(entry);
    ws.on('close', () => subscribers.delete(entry));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  await socketsReady;
  return {
    apiUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    wsUrl: `ws://127.0.0.1:${(sockets.address() as AddressInfo).port}/`,
    close: async () => {
      for (const { ws } of subscribers) ws.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      api.closeAllConnections();
      await new Promise<void>((resolve) => api.close(() => resolve()));
    },
  };
}

function planFor(api: FakeApi, batchSize: number): LoadPlan {
  return {
    apiUrl: api.apiUrl,
    token: 't',
    batchSize,
    producers: 2,
    durationMs: 300,
    ratePerSec: 100,
    firstId: 3_000,
    sessions: 10,
    subscribers: [
      { name: 'batched', wsUrl: api.wsUrl, token: 't', batch: true },
      { name: 'single', wsUrl: api.wsUrl, token: 't', batch: false },
    ],
    drainMs: 5_000,
  };
}

/** Events the plan sent: ids firstId, firstId + 1, … (one id per event, in order). */
function refusedAmong(firstId: number, sent: number): number {
  return Array.from({ length: sent }, (_, i) => firstId + i).filter((id) => id % 3 === 0).length;
}

describe('bench load client', () => {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi();
  });
  afterEach(async () => {
    await api.close();
  });

  it('counts single-event POSTs answered 204 as accepted and the others as rejected', async () => {
    // Prepare
    const plan = planFor(api, 1);

    // Act
    const report = await runPlan(plan);

    // Assess
    expect(report.requests).toBeGreaterThan(0);
    expect(report.accepted + report.rejected).toBe(report.requests);
    expect(report.rejected).toBe(refusedAmong(plan.firstId, report.requests));
    expect(report.refusals[0]).toMatch(/^400/);
  });

  it('adds up the per-event counts of the batch answers', async () => {
    // Prepare
    const plan = planFor(api, 10);

    // Act
    const report = await runPlan(plan);

    // Assess
    expect(report.accepted + report.rejected).toBe(report.requests * 10);
    expect(report.rejected).toBe(refusedAmong(plan.firstId, report.requests * 10));
  });

  it('matches every frame, one event or an array of them, to the event it carries', async () => {
    // Prepare
    const plan = planFor(api, 10);

    // Act
    const report = await runPlan(plan);

    // Assess
    expect(report.received.batched!.count).toBe(report.accepted);
    expect(report.received.single!.count).toBe(report.accepted);
  });

  it('reports POST → frame percentiles of what it received, the median not above the 99th', async () => {
    // Prepare
    const plan = planFor(api, 1);

    // Act
    const report = await runPlan(plan);

    // Assess
    const { p50Ms, p99Ms } = report.received.single!;
    expect(p50Ms).toBeGreaterThanOrEqual(0);
    expect(p99Ms).toBeGreaterThanOrEqual(p50Ms!);
  });
});
