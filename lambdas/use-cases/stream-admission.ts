import type { ConnectionRecord } from '../aws/connections-repo';
import { CachedLoader } from '../core/cached-loader';
import type { StreamRecord } from '../core/stream-definition';
import { isStreamActive, streamAcceptsSubscriber } from '../core/stream-status';
import { type Admission, admissionBy, type SubscriberAdmissionPorts } from './subscriber-admission';

/** How long egress trusts a stream record for deliveries it allows (never for one it refuses). */
export const STREAM_RECORD_CACHE_TTL_MS = 5_000;

/** Who of a stream's subscribers gets its events, and which incarnation's events they are. */
export interface StreamAdmission extends Admission {
  /** The `createdAt` of the stream record the decision was made on; undefined when the stream is gone. */
  streamCreatedAt: string | undefined;
}

/**
 * Egress's admission of subscribers with a short cache of stream records (STREAM_RECORD_CACHE_TTL_MS).
 * A cached record decides only when it allows everything at hand: it is active, accepts every subscriber,
 * and every event names its incarnation (envelope `streamCreatedAt`). Anything else (a subscriber it
 * would refuse, an event of another or of an unrecorded incarnation) is decided on a record read now,
 * after the batch was read, as before the cache. Why that is safe: an event goes only to a subscriber
 * that a record of the event's own incarnation accepts, so no incarnation's events reach another's
 * subscribers; a subscriber is closed, and an event dropped, only on a fresh read. What the cache costs:
 * a credential deleted (or a stream disabled) less than 5 s ago may still get its own stream's events for
 * those seconds; management closes those connections at the deletion anyway.
 */
export class CachedStreamAdmission {
  private readonly records: CachedLoader<string, StreamRecord | undefined>;

  constructor(
    private readonly ports: SubscriberAdmissionPorts,
    opts: { now?: () => number; ttlMs?: number } = {},
  ) {
    this.records = new CachedLoader({
      capacity: 10_000,
      ttlMs: opts.ttlMs ?? STREAM_RECORD_CACHE_TTL_MS,
      now: opts.now,
    });
  }

  async admit(
    accountId: string,
    streamName: string,
    subscribers: readonly ConnectionRecord[],
    events: readonly { streamCreatedAt?: string }[],
  ): Promise<StreamAdmission> {
    if (subscribers.length === 0) return { admitted: [], refused: [], streamCreatedAt: undefined };
    const key = `${accountId}\u0000${streamName}`;
    const load = () => this.ports.streams.get(accountId, streamName);
    let stream = await this.records.get(key, load);
    if (!allowsAll(stream, subscribers, events)) {
      this.records.delete(key);
      stream = await this.records.get(key, load);
    }
    return { ...admissionBy(stream, subscribers), streamCreatedAt: stream?.createdAt };
  }
}

/** Whether a stream record admits every subscriber and is the incarnation every event names. */
function allowsAll(
  stream: StreamRecord | undefined,
  subscribers: readonly ConnectionRecord[],
  events: readonly { streamCreatedAt?: string }[],
): boolean {
  if (!stream || !isStreamActive(stream)) return false;
  return (
    subscribers.every((s) => streamAcceptsSubscriber(stream, s.clientId)) &&
    events.every((event) => event.streamCreatedAt === stream.createdAt)
  );
}
