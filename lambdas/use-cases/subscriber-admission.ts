import type { ConnectionRecord } from '../aws/connections-repo';
import type { StreamRecord } from '../core/stream-definition';
import { isStreamActive, streamAcceptsSubscriber } from '../core/stream-status';

export interface SubscriberAdmissionPorts {
  streams: { get(accountId: string, name: string): Promise<StreamRecord | undefined> };
}

/** The subscribers of one stream split into those that may still receive its events and those that may not. */
export interface Admission {
  admitted: ConnectionRecord[];
  refused: ConnectionRecord[];
}

/**
 * Which stored subscribers of a stream may still receive its events: only while the stream exists, is
 * active and still lists the client id the subscriber connected with, or the subscriber is a signed-in
 * user's read-only connection to this incarnation of the stream (core/stream-status). The authorizer
 * checks this once, at `$connect`; egress checks it again for every batch, so a deleted stream or
 * credential stops delivery even to a connection whose close did not get through.
 *
 * The record is read once per stream and batch, after the batch was read from its stream, never from a
 * cache kept across batches: the envelope does not say which incarnation of a stream an event belongs to,
 * so a record cached from before a delete would let a stream created again under the same name reach an
 * old socket. Read after the batch, a record is at least as new as every event in it: if it still lists
 * the subscriber's client, the events were sent while that client was a credential of the stream. The
 * cost is one read per stream and batch, next to the subscriber query egress makes anyway.
 */
export async function admitSubscribers(
  ports: SubscriberAdmissionPorts,
  accountId: string,
  streamName: string,
  subscribers: ConnectionRecord[],
): Promise<Admission> {
  if (subscribers.length === 0) return { admitted: [], refused: [] };
  const stream = await ports.streams.get(accountId, streamName);
  const accepts = (s: ConnectionRecord) =>
    stream !== undefined && isStreamActive(stream) && streamAcceptsSubscriber(stream, s.clientId);
  return { admitted: subscribers.filter(accepts), refused: subscribers.filter((s) => !accepts(s)) };
}
