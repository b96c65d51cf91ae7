import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { localEndpointOfEnv, localKinesisClient } from '../../local/local-clients';
import { LOCAL_STREAMS } from '../../local/resources';
import { type LocalStack, startLocalStack } from '../../local/stack';

/**
 * Nothing acknowledged is lost: events answered 204 are each in the source stream once and, after the
 * decrypter is restarted while it still has a backlog, each included event is in every derived stream it
 * belongs to exactly once (and excluded events in none).
 */

const EVENTS = 240;
const PASSWORD = 'nothing-lost password';
// Cycling consent lists: [] is in no derived stream, [0] only in CUMULATIVE 0, [0,1] and [1] in both.
const CONSENTS: number[][] = [[], [0], [0, 1], [1]];

interface Envelope {
  stream: string;
  event: { url: string; strmMeta: { consentLevels: number[] } };
}

async function post<T>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url} → ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function streamToken(apiUrl: string, clientId: string, clientSecret: string): Promise<string> {
  const response = await fetch(`${apiUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** Every record of a Kinesis stream, from the beginning of each shard. */
async function readAll(kinesis: KinesisClient, streamName: string): Promise<Envelope[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const out: Envelope[] = [];
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

function eventBody(id: number): unknown {
  return {
    strmMeta: {
      eventContractRef: 'streammachine/clickstream/1.0.0',
      consentLevels: CONSENTS[id % CONSENTS.length],
    },
    producerSessionId: `session-${id % 7}`,
    url: `https://example.com/page?id=${id}`,
    eventType: '',
    referrer: '',
    userAgent: '',
    conversion: 0,
    customer: { id: `customer-session-${id % 7}` },
    abTests: [],
  };
}

const idOf = (envelope: Envelope) => Number(new URL(envelope.event.url).searchParams.get('id'));

describe('nothing acknowledged is lost across a decrypter restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ps-nothing-lost-'));
  let stack: LocalStack;
  let sourceRecords: Envelope[];
  let derivedRecords: Envelope[];
  const acknowledged = new Set<number>();
  let decryptedBeforeRestart = -1;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    // The first stack's pollers wait 60 s between empty polls, so the decrypter polls once (an empty stream)
    // and then builds up a backlog it has not touched when the stack stops.
    stack = await startLocalStack({
      port: 0,
      dataDir,
      quiet: true,
      log: () => undefined,
      eventSourceMapping: { pollIntervalMs: 60_000 },
      // The backlog is the point of this stack: load shedding (429 past a 10 s lag) would refuse events a
      // slow, shared machine takes longer than that to send. What is acknowledged is checked either way.
      backpressure: { maxIteratorAgeMs: Number.POSITIVE_INFINITY },
    });
    const email = 'restart@example.com';
    await post(`${stack.apiUrl}/v1/accounts`, { email, password: PASSWORD });
    const { accessToken } = await post<{ accessToken: string }>(`${stack.apiUrl}/v1/auth/login`, {
      email,
      password: PASSWORD,
    });
    const auth = { authorization: `Bearer ${accessToken}` };
    type Created = { credentials: { clientId: string; clientSecret: string } };
    const source = await post<Created>(`${stack.apiUrl}/v1/streams`, { name: 'winston' }, auth);
    await post(`${stack.apiUrl}/v1/streams`, { linkedStream: 'winston', consentLevels: [0] }, auth);
    await post(`${stack.apiUrl}/v1/streams`, { linkedStream: 'winston', consentLevels: [1] }, auth);
    const token = await streamToken(
      stack.apiUrl,
      source.credentials.clientId,
      source.credentials.clientSecret,
    );

    const send = async (from: number, to: number) => {
      let next = from;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < to) {
            const id = next++;
            const response = await fetch(`${stack.apiUrl}/event`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              body: JSON.stringify(eventBody(id)),
            });
            await response.arrayBuffer();
            if (response.status === 204) acknowledged.add(id);
          }
        }),
      );
    };

    // Half the events, then stop the whole stack at once — the decrypter still has a backlog — and restart
    // it on the same data directory; the pollers resume from their persisted checkpoints.
    await send(0, EVENTS / 2);
    decryptedBeforeRestart = stack.stats().find((m) => m.functionName === 'decrypter')!.processed;
    await stack.stop();
    stack = await startLocalStack({
      port: 0,
      dataDir,
      quiet: true,
      log: () => undefined,
      // It resumes with the first stack's backlog, older than the shedding bound by now.
      backpressure: { maxIteratorAgeMs: Number.POSITIVE_INFINITY },
    });
    await send(EVENTS / 2, EVENTS);

    const kinesis = localKinesisClient(localEndpointOfEnv(stack.environmentOf('ingest'), 'KINESIS'));
    const expectedDerived =
      [...acknowledged].filter((id) => CONSENTS[id % CONSENTS.length].length > 0).length +
      [...acknowledged].filter((id) => CONSENTS[id % CONSENTS.length].some((l) => l >= 1)).length;
    const deadline = Date.now() + 60_000;
    do {
      await new Promise((r) => setTimeout(r, 250));
      derivedRecords = await readAll(kinesis, LOCAL_STREAMS.derivedEvents);
    } while (derivedRecords.length < expectedDerived && Date.now() < deadline);
    await new Promise((r) => setTimeout(r, 1_000));
    derivedRecords = await readAll(kinesis, LOCAL_STREAMS.derivedEvents);
    sourceRecords = await readAll(kinesis, LOCAL_STREAMS.sourceEvents);
    kinesis.destroy();
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stopped the stack while the decrypter still had a backlog', () => {
    expect(decryptedBeforeRestart).toBe(0);
  });

  it('acknowledges every event', () => {
    expect(acknowledged.size).toBe(EVENTS);
  });

  it('has each acknowledged event in the source stream exactly once', () => {
    expect(sourceRecords.map(idOf).sort((a, b) => a - b)).toEqual([...acknowledged].sort((a, b) => a - b));
  });

  it.each([
    ['winston-0', (levels: number[]) => levels.length > 0],
    ['winston-1', (levels: number[]) => levels.some((level) => level >= 1)],
  ])('has each event included in %s exactly once, and no other', (stream, includes) => {
    const expected = [...acknowledged]
      .filter((id) => includes(CONSENTS[id % CONSENTS.length]))
      .sort((a, b) => a - b);
    const delivered = derivedRecords
      .filter((r) => r.stream === stream)
      .map(idOf)
      .sort((a, b) => a - b);
    expect(delivered).toEqual(expected);
  });
});
