import type { Logger } from '@aws-lambda-powertools/logger';
import type { ConnectionRecord } from '../aws/connections-repo';
import { type Message, type OutgoingEvent, planDelivery } from '../core/delivery-lanes';
import { errorName } from '../core/errors';
import { decodeEnvelope } from '../core/event-envelope';
import { LogRateLimit } from '../core/log-rate-limit';
import { isOfIncarnation } from '../core/stream-incarnation';
import { ConnectionDelivery, type DeliveryCounts, type DeliveryPorts } from './connection-delivery';
import { runWithConcurrency } from './run-with-concurrency';
import { CachedStreamAdmission } from './stream-admission';
import type { SubscriberAdmissionPorts } from './subscriber-admission';

/** Posts in flight at once (the SDK's default socket pool per host holds 50). */
export const DEFAULT_EGRESS_CONCURRENCY = 48;
/** Streams of one batch whose subscribers are looked up at once. */
const STREAM_LOOKUP_CONCURRENCY = 8;

export interface FanOutPorts {
  connections: { delete(connectionId: string): Promise<void> };
  /** A stream's subscribers, cached across batches (use-cases/subscriber-directory.ts). */
  subscribers: {
    list(accountId: string, streamName: string): Promise<ConnectionRecord[]>;
    forget(accountId: string, streamName: string): void;
  };
  /** Stream records: who the stream still accepts (use-cases/subscriber-admission.ts). */
  streams: SubscriberAdmissionPorts['streams'];
  /** The stream records' short cache across batches (default: a fresh one per call, so no cache). */
  admission?: CachedStreamAdmission;
  /** Sends one text frame; closes a connection. */
  poster: DeliveryPorts['poster'] & { disconnect(connectionId: string): Promise<void> };
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Caps the failed-post warnings across batches (default: a fresh limit per call). */
  warnings?: LogRateLimit;
  /** Posts in flight at once (default DEFAULT_EGRESS_CONCURRENCY). */
  concurrency?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A record of an event stream as egress reads it: its data and its partition key (the key link). */
export interface EgressRecord {
  data: Uint8Array;
  partitionKey: string;
}

/** Failed-post warnings: at most 10 per 10 s per process, the rest counted. */
export function failedPostWarnings(now?: () => number): LogRateLimit {
  return new LogRateLimit({ maxPerWindow: 10, windowMs: 10_000, now });
}

/** What one batch did. */
export interface FanOutReport extends DeliveryCounts {
  events: number;
  undecodable: number;
  /** Subscribers whose stream or credential is gone: closed and deleted, sent nothing. */
  revoked: number;
  /** Events of a stream with subscribers that belong to another incarnation of it: sent to nobody. */
  otherIncarnation: number;
}

/** The events of one stream, in record order, each with the incarnation its envelope names. */
interface StreamEvents {
  accountId: string;
  stream: string;
  events: (OutgoingEvent & { streamCreatedAt?: string })[];
}

/**
 * "Fan out records": every event to each WebSocket subscriber of its stream, one event per frame or, for
 * a subscriber that asked for batches, JSON arrays of events (core/delivery-lanes.ts). No replay: a failed
 * post is counted, never retried except when API Gateway throttles it (then with backoff within the
 * batch); a vanished connection is deleted and gets nothing more; a subscriber its stream no longer
 * accepts (stream or credential deleted) is closed and deleted before anything is sent to it. Events of
 * one key link reach a subscriber in record order; everything else is posted concurrently. Nothing starts
 * after `deadlineMs`: what is left is counted, so that the batch ends within the function's timeout and is
 * never retried whole (a retry would deliver every event of it a second time).
 */
export async function fanOutRecords(
  records: readonly EgressRecord[],
  ports: FanOutPorts,
  options: { deadlineMs?: number } = {},
): Promise<FanOutReport> {
  const report: FanOutReport = {
    events: 0,
    undecodable: 0,
    deliveries: 0,
    messages: 0,
    gone: 0,
    connecting: 0,
    failedPosts: 0,
    throttled: 0,
    outOfTime: 0,
    revoked: 0,
    otherIncarnation: 0,
  };
  const streams = groupByStream(records, report);
  const admission = ports.admission ?? new CachedStreamAdmission(ports);
  const deliveryPorts: DeliveryPorts = {
    ...ports,
    warnings: ports.warnings ?? failedPostWarnings(ports.now),
    now: ports.now ?? Date.now,
    sleep: ports.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    deadlineMs: options.deadlineMs ?? Number.POSITIVE_INFINITY,
    counts: report,
  };
  const lanes: { delivery: ConnectionDelivery; lane: Message[] }[][] = [];
  const revoked: ConnectionRecord[] = [];
  await runWithConcurrency(streams, STREAM_LOOKUP_CONCURRENCY, async (group) => {
    const { admitted, refused, events } = await subscribersOf(group, { ...ports, admission }, report);
    revoked.push(...refused);
    const plans = new Map<boolean, Message[][]>();
    for (const connection of admitted) {
      const batched = connection.batch === true;
      if (!plans.has(batched)) plans.set(batched, planDelivery(events, batched));
      const delivery = new ConnectionDelivery(connection, deliveryPorts);
      lanes.push(plans.get(batched)!.map((lane) => ({ delivery, lane })));
    }
  });
  const concurrency = ports.concurrency ?? DEFAULT_EGRESS_CONCURRENCY;
  await runWithConcurrency(revoked, concurrency, (connection) => revoke(connection, ports, report));
  // Every connection's first lane before any second one: all subscribers get their events early.
  await runWithConcurrency(roundRobin(lanes), concurrency, ({ delivery, lane }) =>
    delivery.deliverLane(lane),
  );
  return report;
}

/**
 * A stream's subscribers split by whether the stream still accepts them, and the events of the
 * incarnation that admitted them (the others are counted); none when they cannot be listed.
 */
async function subscribersOf(
  group: StreamEvents,
  ports: FanOutPorts & { admission: CachedStreamAdmission },
  report: FanOutReport,
) {
  try {
    const subscribers = await ports.subscribers.list(group.accountId, group.stream);
    const admission = await ports.admission.admit(group.accountId, group.stream, subscribers, group.events);
    const { streamCreatedAt } = admission;
    // No record (the stream is gone) admits nobody, so there is nothing to filter.
    if (streamCreatedAt === undefined) return { ...admission, events: group.events };
    const events = group.events.filter((event) => isOfIncarnation(event, streamCreatedAt));
    report.otherIncarnation += group.events.length - events.length;
    return { ...admission, events };
  } catch (error) {
    report.failedPosts += group.events.length;
    ports.logger.error('subscribers could not be listed', { errorName: errorName(error) });
    return { admitted: [], refused: [], events: [] };
  }
}

/** Closes and deletes a subscriber its stream no longer accepts; it is sent nothing. */
async function revoke(connection: ConnectionRecord, ports: FanOutPorts, report: FanOutReport): Promise<void> {
  try {
    ports.subscribers.forget(connection.accountId, connection.streamName);
    await ports.poster.disconnect(connection.connectionId);
    await ports.connections.delete(connection.connectionId);
    report.revoked++;
  } catch (error) {
    ports.logger.error('revoked connection could not be closed', { errorName: errorName(error) });
  }
}

/** The records' events per stream; records that are not envelopes are counted and skipped. */
function groupByStream(records: readonly EgressRecord[], report: FanOutReport): StreamEvents[] {
  const streams = new Map<string, StreamEvents>();
  for (const { data, partitionKey } of records) {
    let envelope: ReturnType<typeof decodeEnvelope>;
    try {
      envelope = decodeEnvelope(data);
    } catch {
      report.undecodable++;
      continue;
    }
    const key = `${envelope.accountId}\u0000${envelope.stream}`;
    let group = streams.get(key);
    if (!group) {
      group = { accountId: envelope.accountId, stream: envelope.stream, events: [] };
      streams.set(key, group);
    }
    const text = JSON.stringify(envelope.event);
    const { streamCreatedAt } = envelope;
    group.events.push({
      text,
      bytes: Buffer.byteLength(text, 'utf8'),
      orderKey: partitionKey,
      streamCreatedAt,
    });
    report.events++;
  }
  return [...streams.values()];
}

/** The items of every list interleaved: the first of each, then the second of each, … */
function roundRobin<T>(lists: readonly T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}
