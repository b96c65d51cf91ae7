import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { ConnectionsRepo } from '../aws/connections-repo';
import { SignedConnectionPoster } from '../aws/signed-connection-poster';
import { StreamsRepo } from '../aws/streams-repo';
import { lambdaEntryPoint } from '../runtime/entry-point';
import { receivedKinesisRecord } from '../runtime/kinesis-record';
import {
  type FanOutPorts,
  type FanOutReport,
  failedPostWarnings,
  fanOutRecords,
} from '../use-cases/fan-out-record';
import { CachedStreamAdmission } from '../use-cases/stream-admission';
import { SubscriberDirectory, type SubscriberDirectoryPorts } from '../use-cases/subscriber-directory';

/** Left of the function's timeout when delivery stops starting posts: the batch must end, not time out. */
export const TIME_RESERVE_MS = 5_000;

export interface EgressDeps
  extends Omit<FanOutPorts, 'logger' | 'warnings' | 'subscribers' | 'connections' | 'admission'> {
  connections: FanOutPorts['connections'] & SubscriberDirectoryPorts['connections'];
  logger?: Pick<Logger, 'error' | 'warn' | 'info'>;
}

/** What one batch did (also logged). */
export type EgressReport = FanOutReport;

export type EgressHandler = (
  event: KinesisStreamEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<EgressReport>;

/**
 * Kinesis consumer of both event streams: each event to every WebSocket subscriber of its stream (of the
 * event's incarnation) that the stream still accepts, within the invocation's time (less TIME_RESERVE_MS).
 */
export function createEgressHandler(deps: EgressDeps): EgressHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'egress' });
  const warnings = failedPostWarnings(deps.now);
  const subscribers = new SubscriberDirectory({ connections: deps.connections, now: deps.now });
  const admission = new CachedStreamAdmission(deps, { now: deps.now });
  const now = deps.now ?? Date.now;
  return async (event, context) => {
    const records = (event.Records ?? []).map((record) => receivedKinesisRecord(record, now));
    const remaining = context?.getRemainingTimeInMillis();
    const deadlineMs = remaining === undefined ? undefined : now() + remaining - TIME_RESERVE_MS;
    const report = await fanOutRecords(
      records,
      { ...deps, subscribers, admission, warnings, logger },
      { deadlineMs },
    );
    logger.info('batch delivered', { ...report });
    return report;
  };
}

function egressFromEnv(): (event: KinesisStreamEvent, context?: Context) => Promise<void> {
  const doc = dynamoDocumentClient();
  const egress = createEgressHandler({
    connections: new ConnectionsRepo({ doc, table: requiredEnv('CONNECTIONS_TABLE') }),
    streams: new StreamsRepo({ doc, table: requiredEnv('STREAMS_TABLE') }),
    poster: new SignedConnectionPoster({ endpoint: requiredEnv('WS_CALLBACK_URL') }),
  });
  // Egress has no replay and reports no item failures: the report is for logs and tests only.
  return async (event, context) => {
    await egress(event, context);
  };
}

/** Lambda entry point (Kinesis event source mappings on the source- and derived-events streams). */
export const handler = lambdaEntryPoint('egress', egressFromEnv);
