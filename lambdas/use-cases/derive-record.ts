import type { Logger } from '@aws-lambda-powertools/logger';
import type { UsageCount } from '../aws/usage-repo';
import { CachedLoader } from '../core/cached-loader';
import { parseConsentRule } from '../core/consent';
import type { EventContract } from '../core/contracts';
import { type DerivedStreamSpec, deriveEvent, type SealedEvent } from '../core/event-crypto';
import {
  decodeEnvelope,
  type EventEnvelope,
  envelopeRecord,
  type OutgoingRecord,
} from '../core/event-envelope';
import type { KeyLinkResolver } from '../core/key-links';
import type { StreamRecord } from '../core/stream-definition';
import { isOfIncarnation, mayPredateIncarnation } from '../core/stream-incarnation';
import { isStreamActive } from '../core/stream-status';
import { readSealedStrmMeta } from '../core/strm-meta';
import { usageMinuteOf } from '../core/usage-minute';

/** How long the derived streams of a source stream are trusted in a warm process. */
export const DERIVED_STREAMS_CACHE_TTL_MS = 5_000;

export interface DeriveRecordPorts {
  streams: {
    get(accountId: string, name: string): Promise<StreamRecord | undefined>;
    listDerived(accountId: string, sourceName: string): Promise<StreamRecord[]>;
  };
  /**
   * The account's contract by ref, tombstones included, refreshed on a miss; with `loadedSince`, a miss
   * counts only after a reload started at or after it (aws/account-contracts.ts).
   */
  contracts: {
    find(accountId: string, ref: string, loadedSince?: number): Promise<EventContract | undefined>;
  };
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
  /** The event belongs to an earlier incarnation of its source stream: no derived stream of today's sees it. */
  otherIncarnation: boolean;
  /** The event's contract is absent also from a reload since the record arrived (tombstones included). */
  unknownContract: boolean;
}

/** A source stream as the decrypter knows it: its incarnation and its active derived streams. */
interface SourceListing {
  /** When it was read (ms). */
  loadedAt: number;
  /** The source stream's `createdAt`; undefined when it no longer exists. */
  createdAt: string | undefined;
  derived: { spec: DerivedStreamSpec; createdAt: string }[];
}

/**
 * "Derive a record": for every active derived stream of a source record's stream, the consent filter,
 * decryption of the PII fields the consent covers, and masking. The record's strmMeta and contract are
 * read once, however many derived streams it feeds. Throws when the record cannot be processed.
 */
export class RecordDeriver {
  private readonly ports: DeriveRecordPorts;
  private readonly listings: CachedLoader<string, SourceListing>;

  constructor(ports: DeriveRecordPorts) {
    this.ports = ports;
    this.listings = new CachedLoader({
      ttlMs: DERIVED_STREAMS_CACHE_TTL_MS,
      capacity: 10_000,
      now: ports.now,
    });
  }

  async derive(record: SourceRecord): Promise<Derivation> {
    const envelope = decodeEnvelope(record.data);
    const { accountId, stream, contractRef, event } = envelope;
    const usage = { accountId, streamName: stream, minute: usageMinuteOf(record.arrivalMs), count: 1 };
    const derivation: Derivation = {
      outputs: [],
      usage,
      shredded: false,
      excluded: 0,
      otherIncarnation: false,
      unknownContract: false,
    };
    const source = await this.sourceListing(envelope);
    if (source.createdAt !== undefined && !isOfIncarnation(envelope, source.createdAt)) {
      return { ...derivation, otherIncarnation: true };
    }
    if (source.derived.length === 0) return derivation;
    // Ingest found the contract before the record arrived and the catalog keeps tombstones, so it answers a
    // miss only after a reload started since the arrival: a contract truly absent (never derivable), and
    // retrying the record would hold up the shard every tenant shares.
    const contract = await this.ports.contracts.find(accountId, contractRef, record.arrivalMs);
    if (!contract) return { ...derivation, unknownContract: true };
    const meta = readSealedStrmMeta(event);
    const aead = await this.ports.keyLinks.byId(meta.keyLink);
    if (!aead) return { ...derivation, shredded: true };
    const sealed: SealedEvent = { event, contract, meta };
    for (const { spec, createdAt } of source.derived) {
      const derived = deriveEvent(sealed, spec, aead);
      if (!derived) {
        derivation.excluded++;
        continue;
      }
      const target = { accountId, stream: spec.name, streamCreatedAt: createdAt, contractRef };
      derivation.outputs.push(envelopeRecord(target, derived, meta.keyLink));
    }
    return derivation;
  }

  /**
   * The source stream of an envelope and its active derived streams, cached; read again when the cached
   * listing may predate the incarnation the envelope names (a stream created again under its name).
   */
  private async sourceListing(envelope: EventEnvelope): Promise<SourceListing> {
    const key = `${envelope.accountId}\u0000${envelope.stream}`;
    const load = () => this.loadListing(envelope.accountId, envelope.stream);
    const cached = await this.listings.get(key, load);
    const known = cached.createdAt !== undefined && isOfIncarnation(envelope, cached.createdAt);
    if (known || !mayPredateIncarnation(cached.loadedAt, envelope)) return cached;
    // Only this stale listing goes: a reload another record of the batch started is shared.
    this.listings.deleteWhere((listing) => listing === cached);
    return this.listings.get(key, load);
  }

  private async loadListing(accountId: string, sourceName: string): Promise<SourceListing> {
    const loadedAt = (this.ports.now ?? Date.now)();
    const [source, derived] = await Promise.all([
      this.ports.streams.get(accountId, sourceName),
      this.ports.streams.listDerived(accountId, sourceName),
    ]);
    return {
      loadedAt,
      createdAt: source?.createdAt,
      derived: derived
        .filter(isStreamActive)
        .flatMap((stream) => this.specOf(stream).map((spec) => ({ spec, createdAt: stream.createdAt }))),
    };
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
