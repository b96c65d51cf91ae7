/**
 * The README's cost model per million events, computed from what the aws-sim suite measured (record and
 * frame sizes, invocation durations and CPU) and the list prices below, so that every run of the bench
 * recomputes it. Assumptions (the README states them too): one source stream with one derived stream that
 * receives every event, one subscriber on the derived stream and none on the source, no exporter, full
 * batches (a high steady rate), NEW_SESSION_SHARE of the events with a key-field value not seen before.
 */

/** us-east-1 list prices assumed on 2026-12-02 (check https://aws.amazon.com/pricing/). */
export const PRICES = {
  httpApiPerMillionRequests: 1.0,
  webSocketPerMillionMessages: 1.0,
  lambdaPerMillionRequests: 0.2,
  /** arm64. */
  lambdaPerGbSecond: 0.0000133334,
  kinesisOnDemandPerGbIn: 0.08,
  kinesisOnDemandPerGbOut: 0.04,
  kinesisPerMillionPutPayloadUnits: 0.014,
  dynamoPerMillionWrites: 0.625,
  dynamoPerMillionReads: 0.125,
  logsPerGbIngested: 0.5,
} as const;

/** Lambda gives a full vCPU at 1,769 MB and proportionally less below (CPU-bound work takes longer). */
export const FULL_VCPU_MB = 1_769;
/** Of every million events, this share has a key-field value (session) not seen before: 10 events a session. */
export const NEW_SESSION_SHARE = 0.1;
/** Bytes of Lambda's START, END and REPORT lines per invocation. */
export const PLATFORM_LOG_BYTES = 350;
/** Bytes of one HTTP API access-log line (lib/privacy-streams-stack.ts's format). */
export const ACCESS_LOG_BYTES = 280;
/** Bytes of one INFO line per decrypter or egress batch. */
export const BATCH_LOG_BYTES = 200;
/** Kinesis readers: source (decrypter, egress, exporter) and derived (egress, exporter). */
export const SOURCE_READERS = 3;
export const DERIVED_READERS = 2;
const GB = 1024 ** 3;
const MILLION = 1_000_000;

/** One invocation as measured: its wall time (stand-in latencies included) and the CPU it used. */
export interface Timing {
  durationMs: number;
  cpuMs: number;
}

export interface CostInputs {
  sourceRecordBytes: number;
  derivedRecordBytes: number;
  ingest: {
    memoryMb: number;
    /** `POST /event` of a session seen before, and of a new session. */
    single: { known: Timing; fresh: Timing };
    /** `POST /events` × batchSize, all sessions seen before, and all new. */
    batch: { known: Timing; fresh: Timing; batchSize: number };
  };
  decrypter: { memoryMb: number; batch: Timing; batchSize: number };
  egress: {
    memoryMb: number;
    batchSize: number;
    /** A batch to one subscriber with one-event frames, and with batched frames. */
    oneEvent: Timing;
    batched: Timing;
    /** Messages a batch of batchSize events became with batched frames. */
    batchedMessages: number;
  };
}

export interface Scenario {
  batchedIngest: boolean;
  batchedFrames: boolean;
}

export interface CostLine {
  item: string;
  usd: number;
}

/** Billed Lambda time of an invocation: its waiting as measured, its CPU slowed to the memory's vCPU share. */
export function lambdaMs(timing: Timing, memoryMb: number): number {
  const waiting = Math.max(0, timing.durationMs - timing.cpuMs);
  return Math.ceil(waiting + timing.cpuMs * Math.max(1, FULL_VCPU_MB / memoryMb));
}

function lambdaUsd(invocations: number, ms: number, memoryMb: number): number {
  const gbSeconds = invocations * (ms / 1000) * (memoryMb / 1024);
  return (invocations / MILLION) * PRICES.lambdaPerMillionRequests + gbSeconds * PRICES.lambdaPerGbSecond;
}

function mix(known: Timing, fresh: Timing): Timing {
  const share = NEW_SESSION_SHARE;
  return {
    durationMs: known.durationMs * (1 - share) + fresh.durationMs * share,
    cpuMs: known.cpuMs * (1 - share) + fresh.cpuMs * share,
  };
}

/** Kinesis bills on-demand ingest per record rounded up to 1 KB. */
const billedKb = (bytes: number) => Math.ceil(bytes / 1024);

/** Per million events, item by item, for one scenario (on-demand streams). */
export function costPerMillion(inputs: CostInputs, scenario: Scenario): { lines: CostLine[]; total: number } {
  const { ingest, decrypter, egress } = inputs;
  const requests = scenario.batchedIngest ? MILLION / ingest.batch.batchSize : MILLION;
  const ingestTiming = scenario.batchedIngest
    ? mix(ingest.batch.known, ingest.batch.fresh)
    : mix(ingest.single.known, ingest.single.fresh);
  const decrypterBatches = MILLION / decrypter.batchSize;
  const egressBatches = MILLION / egress.batchSize;
  const egressTiming = scenario.batchedFrames ? egress.batched : egress.oneEvent;
  const messages = scenario.batchedFrames ? (MILLION * egress.batchedMessages) / egress.batchSize : MILLION;
  const kbIn = billedKb(inputs.sourceRecordBytes) + billedKb(inputs.derivedRecordBytes);
  const bytesOut = inputs.sourceRecordBytes * SOURCE_READERS + inputs.derivedRecordBytes * DERIVED_READERS;
  const newSessions = MILLION * NEW_SESSION_SHARE;
  // Egress runs on both streams: the derived stream's batches as measured, the source stream's (no
  // subscriber) counted as invocations of the shortest billable time.
  const invocations = requests + decrypterBatches + 2 * egressBatches;
  const logBytes =
    requests * ACCESS_LOG_BYTES +
    invocations * PLATFORM_LOG_BYTES +
    (decrypterBatches + 2 * egressBatches) * BATCH_LOG_BYTES;
  const lines: CostLine[] = [
    { item: 'HTTP API requests', usd: (requests / MILLION) * PRICES.httpApiPerMillionRequests },
    {
      item: 'Lambda ingest',
      usd: lambdaUsd(requests, lambdaMs(ingestTiming, ingest.memoryMb), ingest.memoryMb),
    },
    { item: 'Kinesis in', usd: ((MILLION * kbIn * 1024) / GB) * PRICES.kinesisOnDemandPerGbIn },
    { item: 'Kinesis out', usd: ((MILLION * bytesOut) / GB) * PRICES.kinesisOnDemandPerGbOut },
    {
      item: 'Lambda decrypter',
      usd: lambdaUsd(decrypterBatches, lambdaMs(decrypter.batch, decrypter.memoryMb), decrypter.memoryMb),
    },
    {
      item: 'Lambda egress',
      usd:
        lambdaUsd(egressBatches, lambdaMs(egressTiming, egress.memoryMb), egress.memoryMb) +
        lambdaUsd(egressBatches, 1, egress.memoryMb),
    },
    { item: 'WebSocket messages', usd: (messages / MILLION) * PRICES.webSocketPerMillionMessages },
    {
      // Per new session: the pointer read and two conditional writes at ingest, one read at the decrypter;
      // usage counters once per decrypter batch.
      item: 'DynamoDB',
      usd:
        ((2 * newSessions + decrypterBatches) / MILLION) * PRICES.dynamoPerMillionWrites +
        ((2 * newSessions) / MILLION) * PRICES.dynamoPerMillionReads,
    },
    { item: 'CloudWatch Logs', usd: (logBytes / GB) * PRICES.logsPerGbIngested },
  ];
  return { lines, total: lines.reduce((sum, line) => sum + line.usd, 0) };
}

/** The same with provisioned streams: Kinesis's per-GB charges become PUT payload units (25 KB each). */
export function provisionedCostPerMillion(inputs: CostInputs, scenario: Scenario): number {
  const { lines } = costPerMillion(inputs, scenario);
  const units = Math.ceil(inputs.sourceRecordBytes / 25_600) + Math.ceil(inputs.derivedRecordBytes / 25_600);
  const kinesis = ((MILLION * units) / MILLION) * PRICES.kinesisPerMillionPutPayloadUnits;
  return lines
    .filter((line) => !line.item.startsWith('Kinesis'))
    .reduce((sum, line) => sum + line.usd, kinesis);
}
