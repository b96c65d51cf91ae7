import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamEvent } from 'aws-lambda';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { ConnectionPoster } from '../aws/connection-poster';
import { type ConnectionRecord, ConnectionsRepo } from '../aws/connections-repo';
import { decodeEnvelope } from '../core/event-envelope';

/** Connections posted to at the same time. */
export const DEFAULT_EGRESS_CONCURRENCY = 16;

export interface EgressDeps {
  connections: Pick<ConnectionsRepo, 'listByStream' | 'delete'>;
  poster: Pick<ConnectionPoster, 'post'>;
  concurrency?: number;
  logger?: Logger;
}

/** What one batch did (also logged). */
export interface EgressReport {
  events: number;
  undecodable: number;
  deliveries: number;
  gone: number;
  failedPosts: number;
}

export type EgressHandler = (event: KinesisStreamEvent) => Promise<EgressReport>;

interface StreamGroup {
  accountId: string;
  stream: string;
  frames: string[];
}

/**
 * Kinesis consumer of both event streams: sends every event, as one JSON text frame, to each WebSocket
 * subscriber of its stream. Egress has no replay, so a failed post is counted, never retried; a vanished
 * connection is deleted. Each connection gets its frames in record order.
 */
export function createEgressHandler(deps: EgressDeps): EgressHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'egress' });
  const concurrency = Math.max(1, deps.concurrency ?? DEFAULT_EGRESS_CONCURRENCY);

  return async (event) => {
    const report: EgressReport = { events: 0, undecodable: 0, deliveries: 0, gone: 0, failedPosts: 0 };
    const groups = new Map<string, StreamGroup>();
    for (const record of event.Records ?? []) {
      try {
        const envelope = decodeEnvelope(Buffer.from(record.kinesis.data, 'base64'));
        const key = `${envelope.accountId}\u0000${envelope.stream}`;
        let group = groups.get(key);
        if (!group) {
          group = { accountId: envelope.accountId, stream: envelope.stream, frames: [] };
          groups.set(key, group);
        }
        group.frames.push(JSON.stringify(envelope.event));
        report.events++;
      } catch {
        report.undecodable++;
      }
    }

    const deliveries: { connection: ConnectionRecord; frames: string[] }[] = [];
    for (const group of groups.values()) {
      try {
        for (const connection of await deps.connections.listByStream(group.accountId, group.stream)) {
          deliveries.push({ connection, frames: group.frames });
        }
      } catch (error) {
        report.failedPosts += group.frames.length;
        logger.error('subscribers could not be listed', { errorName: nameOf(error) });
      }
    }

    await runWithConcurrency(deliveries, concurrency, async ({ connection, frames }) => {
      for (const frame of frames) {
        try {
          if ((await deps.poster.post(connection.connectionId, frame)) === 'gone') {
            report.gone++;
            await deps.connections.delete(connection.connectionId);
            return;
          }
          report.deliveries++;
        } catch (error) {
          report.failedPosts++;
          logger.warn('post to connection failed', {
            connectionId: connection.connectionId,
            errorName: nameOf(error),
          });
        }
      }
    });

    logger.info('batch delivered', { ...report });
    return report;
  };
}

/** Runs `task` over the items with at most `limit` running at once. */
async function runWithConcurrency<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await task(item);
    }
  });
  await Promise.all(workers);
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

let built: EgressHandler | undefined;

/** Lambda entry point (Kinesis event source mappings on the source- and derived-events streams). */
export async function handler(event: KinesisStreamEvent): Promise<void> {
  built ??= createEgressHandler({
    connections: new ConnectionsRepo({
      doc: dynamoDocumentClient(),
      table: requiredEnv('CONNECTIONS_TABLE'),
    }),
    poster: new ConnectionPoster({ endpoint: requiredEnv('WS_CALLBACK_URL') }),
  });
  await built(event);
}
