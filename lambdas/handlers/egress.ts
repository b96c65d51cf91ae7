import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamEvent } from 'aws-lambda';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { ConnectionPoster } from '../aws/connection-poster';
import { ConnectionsRepo } from '../aws/connections-repo';
import { lambdaEntryPoint } from '../runtime/entry-point';
import { type FanOutPorts, type FanOutReport, fanOutRecords } from '../use-cases/fan-out-record';

export interface EgressDeps extends Omit<FanOutPorts, 'logger'> {
  logger?: Pick<Logger, 'error' | 'warn' | 'info'>;
}

/** What one batch did (also logged). */
export type EgressReport = FanOutReport;

export type EgressHandler = (event: KinesisStreamEvent) => Promise<EgressReport>;

/** Kinesis consumer of both event streams: each event to every WebSocket subscriber of its stream. */
export function createEgressHandler(deps: EgressDeps): EgressHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'egress' });
  return async (event) => {
    const records = (event.Records ?? []).map((record) => Buffer.from(record.kinesis.data, 'base64'));
    const report = await fanOutRecords(records, { ...deps, logger });
    logger.info('batch delivered', { ...report });
    return report;
  };
}

function egressFromEnv(): (event: KinesisStreamEvent) => Promise<void> {
  const egress = createEgressHandler({
    connections: new ConnectionsRepo({
      doc: dynamoDocumentClient(),
      table: requiredEnv('CONNECTIONS_TABLE'),
    }),
    poster: new ConnectionPoster({ endpoint: requiredEnv('WS_CALLBACK_URL') }),
  });
  // Egress has no replay and reports no item failures: the report is for logs and tests only.
  return async (event) => {
    await egress(event);
  };
}

/** Lambda entry point (Kinesis event source mappings on the source- and derived-events streams). */
export const handler = lambdaEntryPoint('egress', egressFromEnv);
