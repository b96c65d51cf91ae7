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
 * The subscribers a stream record admits and those it refuses (all of them when the stream is gone): a
 * subscriber may still receive the stream's events only while the stream exists, is active and still
 * lists the client id the subscriber connected with, or the subscriber is a signed-in user's read-only
 * connection to this incarnation of the stream (core/stream-status). The authorizer checks this once, at
 * `$connect`; egress checks it again for every batch (use-cases/stream-admission.ts, over a record read
 * after the batch, through a short cache that decides only what a fresh read would allow), so a deleted
 * stream or credential stops delivery even to a connection whose close did not get through.
 */
export function admissionBy(
  stream: StreamRecord | undefined,
  subscribers: readonly ConnectionRecord[],
): Admission {
  const accepts = (s: ConnectionRecord) =>
    stream !== undefined && isStreamActive(stream) && streamAcceptsSubscriber(stream, s.clientId);
  return { admitted: subscribers.filter(accepts), refused: subscribers.filter((s) => !accepts(s)) };
}
