import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, KinesisStreamEvent } from 'aws-lambda';
import { AccountContracts } from '../../lambdas/aws/account-contracts';
import { ConnectionsRepo } from '../../lambdas/aws/connections-repo';
import { ContractsRepo } from '../../lambdas/aws/contracts-repo';
import { DynamoKeyLinkStore } from '../../lambdas/aws/key-link-store';
import { KmsKeyEncryptionKeys } from '../../lambdas/aws/kms-key-encryption-keys';
import { StreamsRepo } from '../../lambdas/aws/streams-repo';
import { SIGNING_KEY_ID, SystemSecrets } from '../../lambdas/aws/system-secrets';
import { type EventEnvelope, encodeEnvelope, type OutgoingRecord } from '../../lambdas/core/event-envelope';
import { KeyLinkResolver } from '../../lambdas/core/key-links';
import type { StreamRecord } from '../../lambdas/core/stream-definition';
import { TokenService } from '../../lambdas/core/tokens';
import { EventAcceptor } from '../../lambdas/use-cases/accept-event';
import { runWithConcurrency } from '../../lambdas/use-cases/run-with-concurrency';
import { type FunctionName, TOPOLOGY } from '../../lib/topology';
import { type Emulators, startEmulators } from '../../local/emulators';
import { localFunctionEnv } from '../../local/function-env';
import { LOCAL_REGION, localDynamoClient } from '../../local/local-clients';
import { ensureLocalResources, LOCAL_TABLES } from '../../local/resources';
import { decrypterDidAll, egressCounts, meanBytes, shardRate } from '../aws-sim/batch-summary';
import { bundleFunction } from '../aws-sim/bundles';
import {
  type CostInputs,
  costPerMillion,
  provisionedCostPerMillion,
  type Scenario,
  type Timing,
} from '../aws-sim/cost-model';
import type { InvocationReport } from '../aws-sim/handler-process';
import { connectionsStandIn, delayingProxy, kinesisStandIn, type StandIn } from '../aws-sim/stand-ins';
import { type BenchRow, type BenchSuite, fullOrQuick } from '../harness';
import { forkBenchModule, pinToCore } from '../load/processes';

/**
 * `aws-sim`: the decrypter and egress as deployed — their esbuild bundles, with their real SDK clients —
 * each in a process of its own on one core (one Lambda environment; one batch at a time, as a shard with
 * parallelization factor 1 is served), with every AWS call answered by an in-process stand-in after a
 * stated latency: DynamoDB 5 ms (and KMS 10 ms: dynalite and the local KMS behind a delaying proxy, real
 * data and real SigV4 checks), PutRecords 20 ms (a Kinesis that takes everything), PostToConnection 15 ms.
 * Rows: ingest's invocation duration for single and batched POSTs (the cost model's Lambda time);
 * records/s per shard for the decrypter with all-new sessions (200-record batches, two derived
 * streams), events/s per shard to 1 and to 100 subscribers, and the duration of a 100-record batch to
 * 1,000 subscribers against the 60 s timeout; each with the CPU the batch took. Also the sizes of the
 * Kinesis records a 1 KB event becomes, and the README's cost model per million events computed from this
 * run (bench/aws-sim/cost-model.ts; the decrypter's all-new sessions and two derived streams make its
 * share an upper bound). Ratios: to a shard's 1,000 writes/s.
 */

const NAME = 'aws-sim';
const DYNAMODB_MS = 5;
const KMS_MS = 10;
const PUT_RECORDS_MS = 20;
const POST_MS = 15;
const SHARD_RECORDS_PER_SEC = 1_000;
const ACCOUNT = 'sim-account';
const CREATED_AT = '2025-01-01T00:00:00.000Z';
const DECRYPTER_BATCH = 200;
const DERIVED_STREAMS = 2;
const MEASURED_BATCHES = fullOrQuick(3, 1);
const EGRESS_RUNS = fullOrQuick(3, 1);
const EGRESS_BATCH = 100;
const INGEST_BATCH = 100;
const INGEST_RUNS = fullOrQuick(20, 5);
/** The local TOKEN_ISSUER (lib/topology.ts), which the ingest bundle's environment names. */
const TOKEN_ISSUER = 'privacy-streams';

/** A clickstream event whose JSON is 1,024 bytes (the cost model's event), for session `session`. */
export function kilobyteEvent(session: string, n: number): Record<string, unknown> {
  const event = {
    strmMeta: { eventContractRef: 'streammachine/clickstream/1.0.0', consentLevels: [0, 1] },
    producerSessionId: session,
    url: `https://shop.example/products/${n}`,
    eventType: 'view',
    referrer: 'https://search.example/?q=privacy',
    userAgent: '',
    conversion: 0,
    customer: { id: `customer-${session}` },
    abTests: ['a', 'b'],
  };
  event.userAgent = 'x'.repeat(Math.max(0, 1024 - Buffer.byteLength(JSON.stringify(event))));
  return event;
}

/** What the cases measured for the cost model (filled in as they run). */
type Measured = Partial<{
  sourceRecordBytes: number;
  derivedRecordBytes: number;
  ingest: Record<string, Timing>;
  decrypter: Timing;
  egressOneEvent: Timing;
  egressBatched: Timing;
  egressBatchedMessages: number;
}>;

const timingOf = (rate: { durationMs: number; cpuMs: number }): Timing => ({
  durationMs: rate.durationMs,
  cpuMs: rate.cpuMs,
});

interface SimEnvironment {
  emulators: Emulators;
  doc: DynamoDBDocumentClient;
  kms: KMSClient;
  standIns: { dynamodb: StandIn; kms: StandIn; kinesis: StandIn; connections: StandIn };
}

async function startEnvironment(): Promise<SimEnvironment> {
  const emulators = await startEmulators();
  await ensureLocalResources(emulators);
  const { credentials } = emulators;
  const doc = DynamoDBDocumentClient.from(
    localDynamoClient({ endpoint: emulators.dynamodbUrl, credentials }),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
  const kms = new KMSClient({ endpoint: emulators.kmsUrl, region: LOCAL_REGION, credentials });
  const standIns = {
    dynamodb: await delayingProxy(emulators.dynamodbUrl, DYNAMODB_MS),
    kms: await delayingProxy(emulators.kmsUrl, KMS_MS),
    kinesis: await kinesisStandIn(PUT_RECORDS_MS),
    connections: await connectionsStandIn(POST_MS),
  };
  return { emulators, doc, kms, standIns };
}

async function stopEnvironment(env: SimEnvironment): Promise<void> {
  await Promise.all(Object.values(env.standIns).map((standIn) => standIn.close()));
  env.doc.destroy();
  env.kms.destroy();
  await env.emulators.close();
}

function streamOf(name: string, derived?: { consentLevels: number[] }): StreamRecord {
  return {
    name,
    accountId: ACCOUNT,
    enabled: true,
    createdAt: CREATED_AT,
    keyRotationHours: 24,
    credentials: [{ clientId: `client-${name}` }],
    ...(derived
      ? { linkedStream: 'winston', consentLevels: derived.consentLevels, consentLevelType: 'CUMULATIVE' }
      : {}),
  } as StreamRecord;
}

/** A function's process: its bundle, its topology environment with the stand-ins as endpoints. */
async function functionProcess(env: SimEnvironment, name: FunctionName): Promise<Handler> {
  const bundle = await bundleFunction(name);
  const endpoints = {
    kinesisUrl: env.standIns.kinesis.url,
    dynamodbUrl: env.standIns.dynamodb.url,
    kmsUrl: env.standIns.kms.url,
    s3Url: env.emulators.s3Url,
    kmsKeyArn: env.emulators.kmsKeyArn,
    credentials: env.emulators.credentials,
    callbackUrl: env.standIns.connections.url,
  };
  // As deployed: INFO logs (one line per batch), which the process writes and nobody reads.
  const functionEnv = { ...localFunctionEnv(name, endpoints, {}), POWERTOOLS_LOG_LEVEL: 'INFO' };
  const child = forkBenchModule('aws-sim/handler-process.ts');
  pinToCore(child.pid!, 1);
  child.send({ type: 'setup', setup: { bundle, env: functionEnv } });
  await once(child, 'message');
  return new Handler(child);
}

class Handler {
  constructor(private readonly child: ChildProcess) {}

  async invoke(
    event: KinesisStreamEvent | APIGatewayProxyEventV2,
    timeoutMs = 60_000,
  ): Promise<InvocationReport> {
    this.child.send({ type: 'invoke', invocation: { event, timeoutMs } });
    const [message] = (await once(this.child, 'message')) as [{ report: InvocationReport }];
    if (message.report.error) throw new Error(`aws-sim: the handler threw ${message.report.error}`);
    return message.report;
  }

  stop(): void {
    this.child.kill();
  }
}

function kinesisBatch(records: readonly OutgoingRecord[], firstSequence: number): KinesisStreamEvent {
  const arrival = Date.now() / 1000;
  return {
    Records: records.map((record, index) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.partitionKey,
        sequenceNumber: String(firstSequence + index),
        data: Buffer.from(encodeEnvelope(record.envelope)).toString('base64'),
        approximateArrivalTimestamp: arrival,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${firstSequence + index}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/sim',
      awsRegion: LOCAL_REGION,
      eventSourceARN: `arn:aws:kinesis:${LOCAL_REGION}:000000000000:stream/sim`,
    })),
  };
}

/** Source records of all-new sessions, sealed by ingest's own code against the emulators (no latency). */
async function sealedBatches(
  env: SimEnvironment,
  streams: StreamsRepo,
  batches: number,
): Promise<OutgoingRecord[][]> {
  const table = LOCAL_TABLES.keyLinks;
  const store = new DynamoKeyLinkStore({ doc: env.doc, table });
  const keks = new KmsKeyEncryptionKeys({
    doc: env.doc,
    kms: env.kms,
    table,
    kmsKeyId: env.emulators.kmsKeyArn,
  });
  const lookupSecret = Buffer.alloc(32, 7);
  const acceptor = new EventAcceptor({
    tokens: { verifyStreamToken: () => Promise.reject(new Error('not used')) },
    streams,
    contracts: new AccountContracts({
      source: new ContractsRepo({ doc: env.doc, table: LOCAL_TABLES.contracts }),
    }),
    keyLinks: new KeyLinkResolver({ store, keks, lookupSecret }),
    lookupSecret,
    publisher: { publish: () => Promise.reject(new Error('not used')) },
  });
  const target = { stream: streamOf('winston'), billingId: 'sim0000000001' };
  const sealed: OutgoingRecord[] = new Array(batches * DECRYPTER_BATCH);
  const indices = Array.from({ length: sealed.length }, (_, i) => i);
  await runWithConcurrency(indices, 16, async (i) => {
    sealed[i] = await acceptor.seal(target, kilobyteEvent(`sim-session-${i}`, i));
  });
  return Array.from({ length: batches }, (_, b) =>
    sealed.slice(b * DECRYPTER_BATCH, (b + 1) * DECRYPTER_BATCH),
  );
}

async function decrypterRows(
  env: SimEnvironment,
  streams: StreamsRepo,
  measured: Measured,
): Promise<BenchRow[]> {
  const batches = await sealedBatches(env, streams, 1 + MEASURED_BATCHES);
  const recordBytes = (record: OutgoingRecord) =>
    encodeEnvelope(record.envelope).length + record.partitionKey.length;
  const handler = await functionProcess(env, 'decrypter');
  try {
    await handler.invoke(kinesisBatch(batches[0]!, 1)); // cold start: secrets, KEKs, stream specs
    const written = env.standIns.kinesis.stats();
    const reports: InvocationReport[] = [];
    for (const [b, batch] of batches.slice(1).entries()) {
      const report = await handler.invoke(kinesisBatch(batch, 1_000_000 * (b + 1)));
      decrypterDidAll(report, DECRYPTER_BATCH, DERIVED_STREAMS);
      reports.push(report);
    }
    const after = env.standIns.kinesis.stats();
    const rate = shardRate(reports, DECRYPTER_BATCH);
    measured.decrypter = timingOf(rate);
    measured.sourceRecordBytes = recordBytes(batches[1]![0]!);
    measured.derivedRecordBytes = meanBytes(
      after.recordBytes - written.recordBytes,
      after.records - written.records,
    );
    return [
      {
        suite: NAME,
        case: `decrypter, ${DECRYPTER_BATCH} records of all-new sessions → ${DERIVED_STREAMS} derived streams (records/s per shard; batch ${rate.durationMs.toFixed(0)} ms, CPU ${rate.cpuMs.toFixed(0)} ms)`,
        opsPerSec: rate.recordsPerSec,
        baseline: SHARD_RECORDS_PER_SEC,
        ratio: rate.recordsPerSec / SHARD_RECORDS_PER_SEC,
      },
      {
        suite: NAME,
        case: 'record size: a 1,024-byte JSON event sealed as a source-events record (bytes, not ops/s)',
        opsPerSec: measured.sourceRecordBytes,
      },
      {
        suite: NAME,
        case: 'record size: its derived-events record, mean over the batches (bytes, not ops/s)',
        opsPerSec: measured.derivedRecordBytes,
      },
    ];
  } finally {
    handler.stop();
  }
}

/** A stream token for `winston`, signed with the stack's own signing key (the system secret ingest reads). */
async function sourceToken(env: SimEnvironment): Promise<string> {
  const secrets = new SystemSecrets({
    doc: env.doc,
    kms: env.kms,
    table: LOCAL_TABLES.keyLinks,
    kmsKeyId: env.emulators.kmsKeyArn,
  });
  const tokens = new TokenService({
    signingKey: await secrets.get('signing'),
    kid: SIGNING_KEY_ID,
    issuer: TOKEN_ISSUER,
  });
  const issued = await tokens.issueStreamTokens({
    clientId: 'client-winston',
    accountId: ACCOUNT,
    stream: 'winston',
    derived: false,
    billingId: 'sim0000000001',
  });
  return issued.accessToken;
}

/** An HTTP API (payload v2) request to ingest: one event to `POST /event`, several to `POST /events`. */
function ingestRequest(token: string, events: readonly Record<string, unknown>[]): APIGatewayProxyEventV2 {
  const routeKey = events.length === 1 ? 'POST /event' : 'POST /events';
  const path = routeKey.slice('POST '.length);
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'strm-schema-ref': 'streammachine/clickstream/1.0.0',
      host: 'sim.example',
    },
    requestContext: {
      accountId: '000000000000',
      apiId: 'sim',
      domainName: 'sim.example',
      domainPrefix: 'sim',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'aws-sim' },
      requestId: `sim-${now}`,
      routeKey,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: JSON.stringify(events.length === 1 ? events[0] : events),
    isBase64Encoded: false,
  };
}

/** Events accepted by one ingest answer (204: the one event; 200: the batch's count), else throws. */
function acceptedBy(report: InvocationReport, events: number): number {
  const answer = report.result as { statusCode?: number; body?: string } | undefined;
  const accepted =
    answer?.statusCode === 204
      ? 1
      : answer?.statusCode === 200
        ? (JSON.parse(answer.body ?? '{}') as { accepted?: number }).accepted
        : undefined;
  if (accepted !== events) {
    throw new Error(`aws-sim: ingest answered ${answer?.statusCode} (${String(answer?.body).slice(0, 120)})`);
  }
  return accepted;
}

/**
 * Ingest's invocation duration (what Lambda bills), one request at a time in one environment: a single
 * `POST /event` and a `POST /events` × 100, of sessions seen before (key links cached) and of all-new
 * sessions (a key-link read and two conditional writes each, at 5 ms).
 */
async function ingestRows(env: SimEnvironment, measured: Measured): Promise<BenchRow[]> {
  const token = await sourceToken(env);
  const handler = await functionProcess(env, 'ingest');
  const rows: BenchRow[] = [];
  let fresh = 0;
  const events = (count: number, known: boolean) =>
    Array.from({ length: count }, (_, i) =>
      kilobyteEvent(known ? `ingest-known-${i}` : `ingest-new-${fresh++}`, i),
    );
  try {
    // Cold start (secrets, stream, contract), and the known sessions' key links made and cached.
    acceptedBy(await handler.invoke(ingestRequest(token, events(INGEST_BATCH, true))), INGEST_BATCH);
    const cases = [
      { size: 1, known: true },
      { size: 1, known: false },
      { size: INGEST_BATCH, known: true },
      { size: INGEST_BATCH, known: false },
    ];
    for (const c of cases) {
      const reports: InvocationReport[] = [];
      for (let r = 0; r < INGEST_RUNS; r++) {
        const report = await handler.invoke(ingestRequest(token, events(c.size, c.known)));
        acceptedBy(report, c.size);
        reports.push(report);
      }
      const rate = shardRate(reports, c.size);
      measured.ingest = { ...measured.ingest, [`${c.size}-${c.known ? 'known' : 'fresh'}`]: timingOf(rate) };
      const request = c.size === 1 ? 'POST /event' : `POST /events × ${c.size}`;
      const sessions = c.known ? 'sessions seen before' : 'all-new sessions';
      rows.push({
        suite: NAME,
        case: `ingest, ${request}, 1 KB events, ${sessions} (events/s per concurrent execution; invocation ${rate.durationMs.toFixed(1)} ms, CPU ${rate.cpuMs.toFixed(1)} ms)`,
        opsPerSec: rate.recordsPerSec,
      });
    }
  } finally {
    handler.stop();
  }
  return rows;
}

/** 100 derived-stream records of `stream`, each of its own session (key link). */
function egressBatch(stream: string): KinesisStreamEvent {
  const records = Array.from({ length: EGRESS_BATCH }, (_, n): OutgoingRecord => {
    const envelope: EventEnvelope = {
      v: 1,
      accountId: ACCOUNT,
      stream,
      streamCreatedAt: CREATED_AT,
      contractRef: 'streammachine/clickstream/1.0.0',
      event: kilobyteEvent(`egress-session-${n}`, n),
    };
    return { envelope, partitionKey: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` };
  });
  return kinesisBatch(records, 1);
}

async function egressRows(
  env: SimEnvironment,
  streams: StreamsRepo,
  measured: Measured,
): Promise<BenchRow[]> {
  const cases = [
    { subscribers: 1, batch: false },
    { subscribers: 1, batch: true },
    { subscribers: 100, batch: false },
    { subscribers: 100, batch: true },
    { subscribers: 1000, batch: false },
    { subscribers: 1000, batch: true },
  ];
  // Connected five minutes ago: long past the moments in which API Gateway still runs a $connect.
  const connections = new ConnectionsRepo({
    doc: env.doc,
    table: LOCAL_TABLES.connections,
    now: () => Date.now() - 300_000,
  });
  for (const c of cases) {
    const name = `fan-${c.subscribers}${c.batch ? '-batch' : ''}`;
    await streams.create(streamOf(name), { clientId: `client-${name}`, secretHash: 'x' });
    const ids = Array.from({ length: c.subscribers }, (_, i) => i);
    await runWithConcurrency(ids, 16, async (i) => {
      await connections.put({
        connectionId: `${name}-${i}`,
        accountId: ACCOUNT,
        streamName: name,
        clientId: `client-${name}`,
        batch: c.batch,
      });
    });
  }
  const handler = await functionProcess(env, 'egress');
  const rows: BenchRow[] = [];
  try {
    await handler.invoke(egressBatch('fan-1')); // cold start
    for (const c of cases) {
      const name = `fan-${c.subscribers}${c.batch ? '-batch' : ''}`;
      const runs = c.subscribers >= 1000 ? 1 : EGRESS_RUNS;
      const posted = env.standIns.connections.stats();
      const reports: InvocationReport[] = [];
      for (let r = 0; r < runs; r++) reports.push(await handler.invoke(egressBatch(name)));
      const after = env.standIns.connections.stats();
      const rate = shardRate(reports, EGRESS_BATCH);
      const counts = egressCounts(reports[reports.length - 1]!, EGRESS_BATCH, c.subscribers);
      if (c.subscribers === 1 && c.batch) {
        measured.egressBatched = timingOf(rate);
        measured.egressBatchedMessages = counts.messages;
      } else if (c.subscribers === 1) measured.egressOneEvent = timingOf(rate);
      const frames = c.batch ? 'batched frames' : 'one event per frame';
      const frameBytes = meanBytes(after.bytesIn - posted.bytesIn, after.requests - posted.requests);
      const detail = `batch ${rate.durationMs.toFixed(0)} ms, CPU ${rate.cpuMs.toFixed(0)} ms, ${counts.messages} posts of ${frameBytes} B, ${counts.deliveries}/${counts.expected} delivered, ${counts.outOfTime} out of time`;
      rows.push(
        c.subscribers >= 1000
          ? {
              suite: NAME,
              case: `egress, ${EGRESS_BATCH} records to ${c.subscribers} subscribers, ${frames}: batch duration in ms against the 60,000 ms timeout (${detail})`,
              opsPerSec: rate.durationMs,
              baseline: 60_000,
              ratio: rate.durationMs / 60_000,
            }
          : {
              suite: NAME,
              case: `egress to ${c.subscribers} subscriber${c.subscribers > 1 ? 's' : ''}, ${frames} (events/s per shard; ${detail})`,
              opsPerSec: rate.recordsPerSec,
              baseline: SHARD_RECORDS_PER_SEC,
              ratio: rate.recordsPerSec / SHARD_RECORDS_PER_SEC,
            },
      );
    }
  } finally {
    handler.stop();
  }
  return rows;
}

function costInputs(measured: Measured): CostInputs {
  const { ingest, decrypter, egressOneEvent, egressBatched, egressBatchedMessages } = measured;
  const timing = (key: string) => {
    const found = ingest?.[key];
    if (!found) throw new Error(`aws-sim: no ingest timing ${key}`);
    return found;
  };
  if (!decrypter || !egressOneEvent || !egressBatched || egressBatchedMessages === undefined)
    throw new Error('aws-sim: a case of the cost model did not run');
  const memoryMb = (name: FunctionName) => TOPOLOGY.functions[name].memoryMb;
  return {
    sourceRecordBytes: measured.sourceRecordBytes ?? 0,
    derivedRecordBytes: measured.derivedRecordBytes ?? 0,
    ingest: {
      memoryMb: memoryMb('ingest'),
      single: { known: timing('1-known'), fresh: timing('1-fresh') },
      batch: {
        known: timing(`${INGEST_BATCH}-known`),
        fresh: timing(`${INGEST_BATCH}-fresh`),
        batchSize: INGEST_BATCH,
      },
    },
    decrypter: { memoryMb: memoryMb('decrypter'), batch: decrypter, batchSize: DECRYPTER_BATCH },
    egress: {
      memoryMb: memoryMb('egress'),
      batchSize: EGRESS_BATCH,
      oneEvent: egressOneEvent,
      batched: egressBatched,
      batchedMessages: egressBatchedMessages,
    },
  };
}

/** The cost model of bench/aws-sim/cost-model.ts from this run's measurements: cents per million events. */
function costRows(measured: Measured): BenchRow[] {
  const inputs = costInputs(measured);
  const scenarios: { label: string; scenario: Scenario }[] = [
    { label: 'single ingest, one-event frames', scenario: { batchedIngest: false, batchedFrames: false } },
    { label: 'single ingest, batched frames', scenario: { batchedIngest: false, batchedFrames: true } },
    { label: 'batched ingest, one-event frames', scenario: { batchedIngest: true, batchedFrames: false } },
    { label: 'batched ingest, batched frames', scenario: { batchedIngest: true, batchedFrames: true } },
  ];
  return scenarios.map(({ label, scenario }) => {
    const { lines, total } = costPerMillion(inputs, scenario);
    const items = lines.map((line) => `${line.item} ${line.usd.toFixed(3)}`).join(', ');
    const provisioned = provisionedCostPerMillion(inputs, scenario);
    return {
      suite: NAME,
      case: `cost per million 1 KB events, ${label}: $${total.toFixed(2)} on-demand, $${provisioned.toFixed(2)} provisioned (US cents, not ops/s; ${items})`,
      opsPerSec: total * 100,
    };
  });
}

export const suite: BenchSuite = {
  name: NAME,
  async run(): Promise<BenchRow[]> {
    // This process (the stand-ins, dynalite, the KMS server) on core 0, each function's process on core 1.
    const pinned = pinToCore(process.pid, 0);
    const env = await startEnvironment();
    try {
      const streams = new StreamsRepo({ doc: env.doc, table: LOCAL_TABLES.streams });
      await streams.create(streamOf('winston'), { clientId: 'client-winston', secretHash: 'x' });
      await streams.create(streamOf('winston-0', { consentLevels: [0] }), {
        clientId: 'client-winston-0',
        secretHash: 'x',
      });
      await streams.create(streamOf('winston-1', { consentLevels: [1] }), {
        clientId: 'client-winston-1',
        secretHash: 'x',
      });
      const measured: Measured = {};
      const rows = await ingestRows(env, measured);
      rows.push(...(await decrypterRows(env, streams, measured)));
      rows.push(...(await egressRows(env, streams, measured)));
      rows.push(...costRows(measured));
      const late = env.standIns.dynamodb.stats().late;
      if (late > 0)
        console.error(`aws-sim: ${late} DynamoDB answers took longer than ${DYNAMODB_MS} ms (dynalite)`);
      return rows;
    } finally {
      await stopEnvironment(env);
      if (pinned) pinAllCores(process.pid);
    }
  },
};

function pinAllCores(pid: number): void {
  // Undo the pinning for the suites after this one.
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  try {
    execFileSync('taskset', ['-a', '-pc', '0-1', String(pid)], { stdio: 'ignore' });
  } catch {
    // taskset went away: nothing to undo.
  }
}
