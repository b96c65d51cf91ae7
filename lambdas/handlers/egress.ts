import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamEvent } from 'aws-lambda';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { ConnectionPoster } from '../aws/connection-poster';
import { ConnectionsRepo } from '../aws/connections-repo';
import { StreamsRepo } from '../aws/streams-repo';
import { lambdaEntryPoint } from '../runtime/entry-point';
import {
  type FanOutPorts,
  type FanOutReport,
  failedPostWarnings,
  fanOutRecords,
} from '../use-cases/fan-out-record';

export interface EgressDeps extends Omit<FanOutPorts, 'logger' | 'warnings'> {
  logger?: Pick<Logger, 'error' | 'warn' | 'info'>;
  now?: () => number;
}

/** What one batch did (also logged). */
export type EgressReport = FanOutReport;

export type EgressHandler = (event: KinesisStreamEvent) => Promise<EgressReport>;

/**
 * Kinesis consumer of both event streams: each event to every WebSocket subscriber of its stream that the
 * stream still accepts.
 */
export function createEgressHandler(deps: EgressDeps): EgressHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'egress' });
  const warnings = failedPostWarnings(deps.now);
  return async (event) => {
    const records = (event.Records ?? []).map((record) => Buffer.from(record.kinesis.data, 'base64'));
    const report = await fanOutRecords(records, { ...deps, warnings, logger });
    logger.info('batch delivered', { ...report });
    return report;
  };
}

function egressFromEnv(): (event: KinesisStreamEvent) => Promise<void> {
  const doc = dynamoDocumentClient();
  const egress = createEgressHandler({
    connections: new ConnectionsRepo({ doc, table: requiredEnv('CONNECTIONS_TABLE') }),
    streams: new StreamsRepo({ doc, table: requiredEnv('STREAMS_TABLE') }),
    poster: new ConnectionPoster({ endpoint: requiredEnv('WS_CALLBACK_URL') }),
  });
  // Egress has no replay and reports no item failures: the report is for logs and tests only.
  return async (event) => {
    await egress(event);
  };
}

/** Lambda entry point (Kinesis event source mappings on the source- and derived-events streams). */
export const handler = lambdaEntryPoint('egress', egressFromEnv);
