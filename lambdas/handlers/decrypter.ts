import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { AccountContracts } from '../aws/account-contracts';
import { dynamoDocumentClient, kinesisClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { ContractsRepo } from '../aws/contracts-repo';
import { KinesisEventPublisher } from '../aws/event-publisher';
import { keyLinkStorageFromEnv } from '../aws/key-link-storage';
import { StreamsRepo } from '../aws/streams-repo';
import { getLookupSecret } from '../aws/system-secrets';
import { type UsageCount, UsageRepo, usageMinuteOf } from '../aws/usage-repo';
import { CachedLoader } from '../core/cached-loader';
import { parseConsentRule } from '../core/consent';
import { type DerivedStreamSpec, deriveEvent } from '../core/event-crypto';
import { decodeEnvelope, envelopeRecord, type OutgoingRecord } from '../core/event-envelope';
import { KeyLinkResolver } from '../core/key-links';
import { onceSucceeded } from '../core/once-succeeded';
import type { StreamRecord } from '../core/stream-definition';
import { readStrmMeta } from '../core/strm-meta';

/** How long the derived streams of a source stream are trusted in a warm process. */
export const DERIVED_STREAMS_CACHE_TTL_MS = 5_000;

export interface DecrypterDeps {
  streams: { listDerived(accountId: string, sourceName: string): Promise<StreamRecord[]> };
  contracts: AccountContracts;
  keyLinks: Pick<KeyLinkResolver, 'byId'>;
  /** Writes to the derived-events stream. */
  publisher: Pick<KinesisEventPublisher, 'publishBatch'>;
  usage: Pick<UsageRepo, 'addCounts'>;
  now?: () => number;
  logger?: Logger;
}

export type DecrypterHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

interface Output {
  inputIndex: number;
  record: OutgoingRecord;
}

/**
 * Kinesis consumer of the source-events stream: for every derived stream of an event's source stream,
 * applies the consent filter, decrypts the PII fields the consent covers, masks, and writes the result to
 * the derived-events stream. Records are handled in order; the first record that fails (or whose outputs
 * cannot be written) is reported as the batch item failure, so it and everything after it is retried.
 */
export function createDecrypterHandler(deps: DecrypterDeps): DecrypterHandler {
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? new Logger({ serviceName: 'decrypter' });
  const derivedCache = new CachedLoader<string, DerivedStreamSpec[]>({
    ttlMs: DERIVED_STREAMS_CACHE_TTL_MS,
    capacity: 10_000,
    now,
  });

  function derivedSpecs(accountId: string, source: string): Promise<DerivedStreamSpec[]> {
    return derivedCache.get(`${accountId}\u0000${source}`, async () => {
      const specs: DerivedStreamSpec[] = [];
      for (const stream of await deps.streams.listDerived(accountId, source)) {
        if (!stream.enabled) continue;
        try {
          const spec: DerivedStreamSpec = {
            name: stream.name,
            consent: parseConsentRule(stream.consentLevels, stream.consentLevelType),
          };
          if (stream.maskedFields) spec.maskedFields = stream.maskedFields;
          specs.push(spec);
        } catch {
          // A stored definition that no longer validates: skip that stream rather than block the source.
          logger.error('derived stream definition is invalid; skipped', { derivedStream: stream.name });
        }
      }
      return specs;
    });
  }

  /** The outputs of one source record (possibly none); throws when the record cannot be processed. */
  async function deriveRecord(
    record: KinesisStreamRecord,
    counts: { shredded: number; excluded: number },
  ): Promise<{ outputs: OutgoingRecord[]; usage: UsageCount }> {
    const envelope = decodeEnvelope(Buffer.from(record.kinesis.data, 'base64'));
    const arrivalMs = Math.round((record.kinesis.approximateArrivalTimestamp ?? now() / 1000) * 1000);
    const usage = {
      accountId: envelope.accountId,
      streamName: envelope.stream,
      minute: usageMinuteOf(arrivalMs),
      count: 1,
    };
    const specs = await derivedSpecs(envelope.accountId, envelope.stream);
    if (specs.length === 0) return { outputs: [], usage };
    let contract = (await deps.contracts.lookupFor(envelope.accountId))(envelope.contractRef);
    // Ingest accepted it, so the contract exists: it may just be newer than this process's cache.
    if (!contract && deps.contracts.refresh(envelope.accountId)) {
      contract = (await deps.contracts.lookupFor(envelope.accountId))(envelope.contractRef);
    }
    if (!contract) throw new Error('the record names an unknown contract');
    const { keyLink } = readKeyLink(envelope.event);
    const aead = await deps.keyLinks.byId(keyLink);
    if (!aead) {
      counts.shredded++;
      return { outputs: [], usage };
    }
    const outputs: OutgoingRecord[] = [];
    for (const spec of specs) {
      const event = deriveEvent(envelope.event, contract, spec, aead);
      if (!event) {
        counts.excluded++;
        continue;
      }
      outputs.push(envelopeRecord({ ...envelope, stream: spec.name }, event, keyLink));
    }
    return { outputs, usage };
  }

  return async (event) => {
    const records = event.Records ?? [];
    const outputs: Output[] = [];
    const counts = { shredded: 0, excluded: 0 };
    const usage: { inputIndex: number; count: UsageCount }[] = [];
    let firstFailure = records.length;
    for (let index = 0; index < records.length; index++) {
      try {
        const result = await deriveRecord(records[index]!, counts);
        for (const record of result.outputs) outputs.push({ inputIndex: index, record });
        usage.push({ inputIndex: index, count: result.usage });
      } catch (error) {
        logger.error('source record failed', {
          errorName: error instanceof Error ? error.name : typeof error,
          sequenceNumber: records[index]!.kinesis.sequenceNumber,
        });
        firstFailure = index;
        break;
      }
    }

    const { failed } = await deps.publisher.publishBatch(outputs.map((output) => output.record));
    for (const outputIndex of failed) firstFailure = Math.min(firstFailure, outputs[outputIndex]!.inputIndex);
    if (failed.length > 0)
      logger.error('derived records could not be written', { failedRecords: failed.length });

    await addUsage(usage.filter((entry) => entry.inputIndex < firstFailure).map((entry) => entry.count));
    logger.info('batch processed', {
      records: records.length,
      processed: firstFailure,
      written: outputs.filter((output) => output.inputIndex < firstFailure).length,
      shredded: counts.shredded,
      excluded: counts.excluded,
    });
    if (firstFailure === records.length) return { batchItemFailures: [] };
    return { batchItemFailures: [{ itemIdentifier: records[firstFailure]!.kinesis.sequenceNumber }] };
  };

  /** Adds usage counts; best effort. */
  async function addUsage(counts: UsageCount[]): Promise<void> {
    try {
      await deps.usage.addCounts(counts);
    } catch (error) {
      // Usage is accounting, not data: retrying the batch for it would duplicate derived events.
      logger.error('usage counts could not be written', {
        errorName: error instanceof Error ? error.name : 'unknown',
      });
    }
  }
}

/** The key link an ingested event was sealed with (`strmMeta.keyLink`). */
function readKeyLink(event: Record<string, unknown>): { keyLink: string } {
  readStrmMeta(event); // a malformed strmMeta fails the record
  const keyLink = (event.strmMeta as Record<string, unknown>).keyLink;
  if (typeof keyLink !== 'string' || keyLink.length === 0)
    throw new Error('the record has no strmMeta.keyLink');
  return { keyLink };
}

/** Builds the handler from the environment once per process (a failed build is retried next time). */
const buildFromEnv = onceSucceeded(async (): Promise<DecrypterHandler> => {
  const dynamo = dynamoDocumentClient();
  const keyLinks = new KeyLinkResolver({ ...keyLinkStorageFromEnv(), lookupSecret: await getLookupSecret() });
  return createDecrypterHandler({
    streams: new StreamsRepo({ doc: dynamo, table: requiredEnv('STREAMS_TABLE') }),
    contracts: new AccountContracts(
      new ContractsRepo({ doc: dynamo, table: requiredEnv('CONTRACTS_TABLE') }),
    ),
    keyLinks,
    publisher: new KinesisEventPublisher({
      kinesis: kinesisClient(),
      streamName: requiredEnv('DERIVED_EVENTS_STREAM'),
    }),
    usage: new UsageRepo({ doc: dynamo, table: requiredEnv('USAGE_TABLE') }),
  });
});

/** Lambda entry point (Kinesis event source mapping with ReportBatchItemFailures). */
export async function handler(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  // A start-up failure throws: the whole batch is retried, nothing is skipped.
  return (await buildFromEnv())(event);
}
