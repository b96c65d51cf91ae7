import { CachedLoader } from '../core/cached-loader';
import type { EventContract } from '../core/contracts';
import { AppError, ForbiddenError, UnauthorizedError } from '../core/errors';
import { incomingEvent, sealEvent } from '../core/event-crypto';
import { envelopeRecord, type OutgoingRecord } from '../core/event-envelope';
import { keyLinkScopeOf } from '../core/key-link-scope';
import type { KeyLinkResolver } from '../core/key-links';
import { keyedHash } from '../core/keyed-hash';
import type { StreamRecord } from '../core/stream-definition';
import { isStreamActive, streamAcceptsClient } from '../core/stream-status';
import { newStrmStamp, readStrmMeta } from '../core/strm-meta';
import type { StreamClaims } from '../core/tokens';

/** How long a stream record is trusted in a warm process (disabling a stream takes effect within this). */
export const STREAM_CACHE_TTL_MS = 5_000;
const HOUR_MS = 60 * 60 * 1000;

export interface AcceptEventPorts {
  tokens: { verifyStreamToken(token: string): Promise<StreamClaims> };
  streams: { get(accountId: string, name: string): Promise<StreamRecord | undefined> };
  /** The account's contract by ref, refreshed once on a miss (aws/account-contracts.ts). */
  contracts: { find(accountId: string, ref: string): Promise<EventContract | undefined> };
  keyLinks: Pick<KeyLinkResolver, 'forKeyFieldValue'>;
  /** Secret for the keyed hash of data-subject values. */
  lookupSecret: Uint8Array;
  /** Resolves once the source-events stream durably has the record. */
  publisher: { publish(record: OutgoingRecord): Promise<void> };
  /** Key-link lifetime for streams that do not set `keyRotationHours` (24). */
  defaultRotationHours?: number;
  now?: () => number;
}

/** Where a producer's events go: its source stream, and the billing id stamped into each of them. */
export interface EventTarget {
  stream: StreamRecord;
  /** The account's billing id from the token; null for a token issued before billing ids existed. */
  billingId: string | null;
}

/**
 * "Accept an event" at ingest, in two steps so that a request of many events authenticates once:
 * `sourceStreamOf(token)` finds the source stream a producer's token may send to, `accept(target, event)`
 * validates one decoded event against its contract, encrypts every PII field with the key link of its
 * key-field value and publishes it. Every refusal is a typed error (its HTTP status in core/http-status.ts).
 */
export class EventAcceptor {
  private readonly ports: AcceptEventPorts;
  private readonly now: () => number;
  private readonly defaultRotationHours: number;
  private readonly streams: CachedLoader<string, StreamRecord | undefined>;

  constructor(ports: AcceptEventPorts) {
    this.ports = ports;
    this.now = ports.now ?? Date.now;
    this.defaultRotationHours = ports.defaultRotationHours ?? 24;
    this.streams = new CachedLoader({ ttlMs: STREAM_CACHE_TTL_MS, capacity: 10_000, now: this.now });
  }

  /** The active source stream whose current credentials issued the token; 401 or 403 otherwise. */
  async sourceStreamOf(token: string): Promise<EventTarget> {
    const claims = await this.verify(token);
    if (claims.derived) throw new ForbiddenError('events can only be sent to a source stream');
    const stream = await this.streamOf(claims);
    if (!stream || !isStreamActive(stream)) {
      throw new ForbiddenError('the stream does not exist or is disabled');
    }
    // A token outlives neither its credentials nor its stream: a stream deleted and created again under
    // the same name has new credentials.
    if (!streamAcceptsClient(stream, claims.clientId)) {
      throw new UnauthorizedError('the credentials of this token no longer belong to the stream');
    }
    if (stream.linkedStream) throw new ForbiddenError('events can only be sent to a source stream');
    return { stream, billingId: claims.billingId ?? null };
  }

  /** Accepts one decoded event for a source stream; resolves once the record is durably published. */
  async accept(target: EventTarget, event: Record<string, unknown>): Promise<void> {
    await this.ports.publisher.publish(await this.seal(target, event));
  }

  /** The source-stream record of a decoded event: validated, every PII field encrypted, strmMeta stamped. */
  async seal({ stream, billingId }: EventTarget, event: Record<string, unknown>): Promise<OutgoingRecord> {
    const meta = readStrmMeta(event);
    const contract = await this.ports.contracts.find(stream.accountId, meta.contractRef);
    const incoming = incomingEvent(event, meta, contract);
    const options: { rotationMs: number; dataSubjectHash?: string } = {
      rotationMs: (stream.keyRotationHours ?? this.defaultRotationHours) * HOUR_MS,
    };
    if (incoming.dataSubject !== undefined) {
      options.dataSubjectHash = keyedHash(this.ports.lookupSecret, stream.accountId, incoming.dataSubject);
    }
    // Keys belong to this incarnation of the stream: one deleted and created again under the same name
    // must not reuse (and so link its events to) the old stream's key links.
    const { keyLinkId, aead } = await this.ports.keyLinks.forKeyFieldValue(
      keyLinkScopeOf(stream),
      incoming.keyFieldValue,
      options,
    );
    const sealed = sealEvent(incoming, aead, newStrmStamp(keyLinkId, this.now(), billingId));
    const target = {
      accountId: stream.accountId,
      stream: stream.name,
      streamCreatedAt: stream.createdAt,
      contractRef: incoming.contract.ref,
    };
    return envelopeRecord(target, sealed, keyLinkId);
  }

  private async verify(token: string): Promise<StreamClaims> {
    try {
      return await this.ports.tokens.verifyStreamToken(token);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new UnauthorizedError('invalid or expired token');
    }
  }

  /** The token's stream, cached; reloaded once when the cached record does not know the token's client. */
  private async streamOf(claims: StreamClaims): Promise<StreamRecord | undefined> {
    const key = `${claims.accountId}\u0000${claims.stream}`;
    const load = () => this.ports.streams.get(claims.accountId, claims.stream);
    const cached = await this.streams.get(key, load);
    if (!cached || streamAcceptsClient(cached, claims.clientId)) return cached;
    this.streams.delete(key);
    return this.streams.get(key, load);
  }
}
