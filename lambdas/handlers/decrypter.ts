import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { AccountContracts, type CustomContractSource } from '../aws/account-contracts';
import { dynamoDocumentClient, kinesisClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { ContractsRepo } from '../aws/contracts-repo';
import { KinesisEventPublisher } from '../aws/event-publisher';
import { keyLinkResolverFromEnv } from '../aws/key-link-storage';
import { StreamsRepo } from '../aws/streams-repo';
import { getLookupSecret } from '../aws/system-secrets';
import { UsageRepo } from '../aws/usage-repo';
import { lambdaEntryPoint } from '../runtime/entry-point';
import { receivedKinesisRecord } from '../runtime/kinesis-record';
import { type DeriveBatchPorts, deriveBatch } from '../use-cases/derive-batch';
import { type DeriveRecordPorts, RecordDeriver, type SourceRecord } from '../use-cases/derive-record';

export interface DecrypterDeps
  extends Omit<DeriveRecordPorts, 'logger'>,
    Omit<DeriveBatchPorts, 'deriver' | 'logger'> {
  logger?: Pick<Logger, 'error' | 'info'>;
}

export type DecrypterHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

/**
 * Kinesis consumer of the source-events stream: derives every record for the derived streams of its
 * source stream and writes the results to the derived-events stream. The first record that could not be
 * processed is the batch item failure, so it and everything after it is retried.
 */
export function createDecrypterHandler(deps: DecrypterDeps): DecrypterHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'decrypter' });
  const now = deps.now ?? Date.now;
  const deriver = new RecordDeriver({ ...deps, logger, now });
  return async (event) => {
    const records = event.Records ?? [];
    const sourceRecords: SourceRecord[] = records.map((record) => {
      const { sequenceNumber, data, arrivalMs } = receivedKinesisRecord(record, now);
      return { id: sequenceNumber, data, arrivalMs };
    });
    const { processed } = await deriveBatch(sourceRecords, { ...deps, deriver, logger });
    const firstFailed = records[processed];
    return { batchItemFailures: firstFailed ? [{ itemIdentifier: firstFailed.kinesis.sequenceNumber }] : [] };
  };
}

async function decrypterFromEnv(): Promise<DecrypterHandler> {
  const doc = dynamoDocumentClient();
  return createDecrypterHandler({
    streams: new StreamsRepo({ doc, table: requiredEnv('STREAMS_TABLE') }),
    contracts: new AccountContracts({
      source: retainedContractsOf(new ContractsRepo({ doc, table: requiredEnv('CONTRACTS_TABLE') })),
    }),
    keyLinks: keyLinkResolverFromEnv(await getLookupSecret()),
    publisher: new KinesisEventPublisher({
      kinesis: kinesisClient(),
      streamName: requiredEnv('DERIVED_EVENTS_STREAM'),
    }),
    usage: new UsageRepo({ doc, table: requiredEnv('USAGE_TABLE') }),
  });
}

/** Lambda entry point (Kinesis event source mapping with ReportBatchItemFailures). */
export const handler = lambdaEntryPoint('decrypter', decrypterFromEnv);

/** Stored events may name a contract deleted since ingest accepted them: the decrypter reads tombstones too. */
function retainedContractsOf(repo: ContractsRepo): CustomContractSource {
  return { listForAccount: (accountId) => repo.listRetained(accountId) };
}
