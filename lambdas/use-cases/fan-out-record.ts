import type { Logger } from '@aws-lambda-powertools/logger';
import type { ConnectionRecord } from '../aws/connections-repo';
import { errorName } from '../core/errors';
import { decodeEnvelope } from '../core/event-envelope';
import { runWithConcurrency } from './run-with-concurrency';

/** Connections posted to at the same time. */
export const DEFAULT_EGRESS_CONCURRENCY = 16;

export interface FanOutPorts {
  connections: {
    /** The live subscribers of a stream. */
    listByStream(accountId: string, streamName: string): Promise<ConnectionRecord[]>;
    delete(connectionId: string): Promise<void>;
  };
  /** Sends one text frame; `gone` when the connection no longer exists. */
  poster: { post(connectionId: string, frame: string): Promise<'ok' | 'gone'> };
  logger: Pick<Logger, 'warn' | 'error'>;
  concurrency?: number;
}

/** What one batch did. */
export interface FanOutReport {
  events: number;
  undecodable: number;
  deliveries: number;
  gone: number;
  /** Frames not delivered: failed posts, and the frames of a stream whose subscribers could not be listed. */
  failedPosts: number;
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
 * gets nothing more. Each connection gets its frames in record order; connections are served concurrently.
 */
export async function fanOutRecords(
  records: readonly Uint8Array[],
  ports: FanOutPorts,
): Promise<FanOutReport> {
  const report: FanOutReport = { events: 0, undecodable: 0, deliveries: 0, gone: 0, failedPosts: 0 };
  const streams = groupByStream(records, report);
  const deliveries: { connectionId: string; frames: string[] }[] = [];
  for (const { accountId, stream, frames } of streams) {
    try {
      for (const { connectionId } of await ports.connections.listByStream(accountId, stream)) {
        deliveries.push({ connectionId, frames });
      }
    } catch (error) {
      report.failedPosts += frames.length;
      ports.logger.error('subscribers could not be listed', { errorName: errorName(error) });
    }
  }
  await runWithConcurrency(deliveries, ports.concurrency ?? DEFAULT_EGRESS_CONCURRENCY, (delivery) =>
    deliver(delivery.connectionId, delivery.frames, ports, report),
  );
  return report;
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
async function deliver(connectionId: string, frames: string[], ports: FanOutPorts, report: FanOutReport) {
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
      ports.logger.warn('post to connection failed', { connectionId, errorName: errorName(error) });
    }
  }
}
