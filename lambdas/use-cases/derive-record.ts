import type { Logger } from '@aws-lambda-powertools/logger';
import type { UsageCount } from '../aws/usage-repo';
import { CachedLoader } from '../core/cached-loader';
import { parseConsentRule } from '../core/consent';
import type { EventContract } from '../core/contracts';
import { type DerivedStreamSpec, deriveEvent, type SealedEvent } from '../core/event-crypto';
import { decodeEnvelope, envelopeRecord, type OutgoingRecord } from '../core/event-envelope';
import type { KeyLinkResolver } from '../core/key-links';
import type { StreamRecord } from '../core/stream-definition';
import { isStreamActive } from '../core/stream-status';
import { readSealedStrmMeta } from '../core/strm-meta';
import { usageMinuteOf } from '../core/usage-minute';

/** How long the derived streams of a source stream are trusted in a warm process. */
export const DERIVED_STREAMS_CACHE_TTL_MS = 5_000;

export interface DeriveRecordPorts {
  streams: { listDerived(accountId: string, sourceName: string): Promise<StreamRecord[]> };
  /** The account's contract by ref, refreshed once on a miss (aws/account-contracts.ts). */
  contracts: { find(accountId: string, ref: string): Promise<EventContract | undefined> };
  keyLinks: Pick<KeyLinkResolver, 'byId'>;
  logger: Pick<Logger, 'error'>;
  now?: () => number;
}

/** A record of the source-events stream as its consumer received it. */
export interface SourceRecord {
  /** The record's id in its stream (the Kinesis sequence number): for logs and batch item failures. */
  id: string;
  data: Uint8Array;
  /** When the record reached the stream (ms since epoch): the minute its usage is counted in. */
  arrivalMs: number;
}

/** What one source record became. */
export interface Derivation {
  /** One record per derived stream that includes the event (none when it has no derived streams). */
  outputs: OutgoingRecord[];
  /** The source event, counted once for its source stream. */
  usage: UsageCount;
  /** The event's key link is gone (crypto-shredded): no derived stream sees it. */
  shredded: boolean;
  /** Derived streams whose consent rule excluded the event. */
  excluded: number;
}

/**
 * "Derive a record": for every active derived stream of a source record's stream, the consent filter,
 * decryption of the PII fields the consent covers, and masking. The record's strmMeta and contract are
 * read once, however many derived streams it feeds. Throws when the record cannot be processed.
 */
export class RecordDeriver {
  private readonly ports: DeriveRecordPorts;
  private readonly specs: CachedLoader<string, DerivedStreamSpec[]>;

  constructor(ports: DeriveRecordPorts) {
    this.ports = ports;
    this.specs = new CachedLoader({ ttlMs: DERIVED_STREAMS_CACHE_TTL_MS, capacity: 10_000, now: ports.now });
  }

  async derive(record: SourceRecord): Promise<Derivation> {
    const { accountId, stream, contractRef, event } = decodeEnvelope(record.data);
    const usage = { accountId, streamName: stream, minute: usageMinuteOf(record.arrivalMs), count: 1 };
    const derivation: Derivation = { outputs: [], usage, shredded: false, excluded: 0 };
    const specs = await this.derivedSpecs(accountId, stream);
    if (specs.length === 0) return derivation;
    const contract = await this.ports.contracts.find(accountId, contractRef);
    // Ingest accepted the event, so its contract exists: a miss here is worth a retry, not a skip.
    if (!contract) throw new Error('the record names an unknown contract');
    const meta = readSealedStrmMeta(event);
    const aead = await this.ports.keyLinks.byId(meta.keyLink);
    if (!aead) return { ...derivation, shredded: true };
    const source: SealedEvent = { event, contract, meta };
    for (const spec of specs) {
      const derived = deriveEvent(source, spec, aead);
      if (!derived) {
        derivation.excluded++;
        continue;
      }
      const target = { accountId, stream: spec.name, contractRef };
      derivation.outputs.push(envelopeRecord(target, derived, meta.keyLink));
    }
    return derivation;
  }

  /** The active derived streams of a source stream, cached. */
  private derivedSpecs(accountId: string, source: string): Promise<DerivedStreamSpec[]> {
    return this.specs.get(`${accountId}\u0000${source}`, async () => {
      const derived = await this.ports.streams.listDerived(accountId, source);
      return derived.filter(isStreamActive).flatMap((stream) => this.specOf(stream));
    });
  }

  /** A derived stream's spec, or none when its stored definition no longer validates (skip, do not block). */
  private specOf(stream: StreamRecord): DerivedStreamSpec[] {
    try {
      const spec: DerivedStreamSpec = {
        name: stream.name,
        consent: parseConsentRule(stream.consentLevels, stream.consentLevelType),
      };
      if (stream.maskedFields) spec.maskedFields = stream.maskedFields;
      return [spec];
    } catch {
      this.ports.logger.error('derived stream definition is invalid; skipped', {
        derivedStream: stream.name,
      });
      return [];
    }
  }
}
