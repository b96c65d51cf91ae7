import type { Logger } from '@aws-lambda-powertools/logger';
import type { ConnectionRecord } from '../aws/connections-repo';
import { errorName } from '../core/errors';
import { decodeEnvelope } from '../core/event-envelope';
import { LogRateLimit } from '../core/log-rate-limit';
import { runWithConcurrency } from './run-with-concurrency';
import { admitSubscribers, type SubscriberAdmissionPorts } from './subscriber-admission';

/** Connections posted to at the same time. */
export const DEFAULT_EGRESS_CONCURRENCY = 16;

export interface FanOutPorts {
  connections: {
    /** The live subscribers of a stream. */
    listByStream(accountId: string, streamName: string): Promise<ConnectionRecord[]>;
    delete(connectionId: string): Promise<void>;
  };
  /** Stream records: who the stream still accepts (use-cases/subscriber-admission.ts), read once per batch. */
  streams: SubscriberAdmissionPorts['streams'];
  /** Sends one text frame (`gone` when the connection no longer exists); closes a connection. */
  poster: {
    post(connectionId: string, frame: string): Promise<'ok' | 'gone'>;
    disconnect(connectionId: string): Promise<void>;
  };
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Caps the failed-post warnings across batches (default: a fresh limit per call). */
  warnings?: LogRateLimit;
  concurrency?: number;
}

/** Failed-post warnings: at most 10 per 10 s per process, the rest counted. */
export function failedPostWarnings(now?: () => number): LogRateLimit {
  return new LogRateLimit({ maxPerWindow: 10, windowMs: 10_000, now });
}

/** What one batch did. */
export interface FanOutReport {
  events: number;
  undecodable: number;
  deliveries: number;
  gone: number;
  /** Frames not delivered: failed posts, and the frames of a stream whose subscribers could not be listed. */
  failedPosts: number;
  /** Subscribers whose stream or credential is gone: closed and deleted, sent nothing. */
  revoked: number;
}

/** The frames of one stream, in record order. */
interface StreamFrames {
  accountId: string;
  stream: string;
  frames: string[];
}

/**
 * "Fan out records": every event, as one JSON text frame, to each WebSocket subscriber of its stream.
 * There is no replay, so a failed post is counted, never retried; a vanished connection is deleted and
 * gets nothing more; a subscriber its stream no longer accepts (stream or credential deleted) is closed
 * and deleted before anything is sent to it. Each connection gets its frames in record order;
 * connections are served concurrently. A failed post is logged by error name, once per connection and
 * batch, and no more than `warnings` allows (a stalled subscriber must not flood the log).
 */
export async function fanOutRecords(
  records: readonly Uint8Array[],
  ports: FanOutPorts,
): Promise<FanOutReport> {
  const report: FanOutReport = {
    events: 0,
    undecodable: 0,
    deliveries: 0,
    gone: 0,
    failedPosts: 0,
    revoked: 0,
  };
  const streams = groupByStream(records, report);
  const deliveries: { connectionId: string; frames: string[] }[] = [];
  const revoked: string[] = [];
  for (const { accountId, stream, frames } of streams) {
    try {
      const subscribers = await ports.connections.listByStream(accountId, stream);
      const { admitted, refused } = await admitSubscribers(ports, accountId, stream, subscribers);
      for (const { connectionId } of admitted) deliveries.push({ connectionId, frames });
      revoked.push(...refused.map((c) => c.connectionId));
    } catch (error) {
      report.failedPosts += frames.length;
      ports.logger.error('subscribers could not be listed', { errorName: errorName(error) });
    }
  }
  const concurrency = ports.concurrency ?? DEFAULT_EGRESS_CONCURRENCY;
  const warnings = ports.warnings ?? failedPostWarnings();
  await runWithConcurrency(revoked, concurrency, (connectionId) => revoke(connectionId, ports, report));
  await runWithConcurrency(deliveries, concurrency, (delivery) =>
    deliver(delivery.connectionId, delivery.frames, { ...ports, warnings }, report),
  );
  return report;
}

/** Closes and deletes a subscriber its stream no longer accepts; it is sent nothing. */
async function revoke(connectionId: string, ports: FanOutPorts, report: FanOutReport): Promise<void> {
  try {
    await ports.poster.disconnect(connectionId);
    await ports.connections.delete(connectionId);
    report.revoked++;
  } catch (error) {
    ports.logger.error('revoked connection could not be closed', { errorName: errorName(error) });
  }
}

/** The records' events as frames per stream; records that are not envelopes are counted and skipped. */
function groupByStream(records: readonly Uint8Array[], report: FanOutReport): StreamFrames[] {
  const streams = new Map<string, StreamFrames>();
  for (const data of records) {
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
      group = { accountId: envelope.accountId, stream: envelope.stream, frames: [] };
      streams.set(key, group);
    }
    group.frames.push(JSON.stringify(envelope.event));
    report.events++;
  }
  return [...streams.values()];
}

/** Posts the frames to one connection in order; stops at the first sign that it has gone. */
async function deliver(
  connectionId: string,
  frames: string[],
  ports: FanOutPorts & { warnings: LogRateLimit },
  report: FanOutReport,
) {
  let warned = false;
  for (const frame of frames) {
    try {
      if ((await ports.poster.post(connectionId, frame)) === 'gone') {
        report.gone++;
        await ports.connections.delete(connectionId);
        return;
      }
      report.deliveries++;
    } catch (error) {
      report.failedPosts++;
      if (warned) continue;
      warned = true;
      const slot = ports.warnings.take();
      if (!slot.allowed) continue;
      const attributes = { connectionId, errorName: errorName(error) };
      ports.logger.warn(
        'post to connection failed',
        slot.suppressed > 0 ? { ...attributes, suppressed: slot.suppressed } : attributes,
      );
    }
  }
}
