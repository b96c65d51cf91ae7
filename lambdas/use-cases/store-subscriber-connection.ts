import type { ConnectionsRepo } from '../aws/connections-repo';
import type { UserSessionsRepo } from '../aws/user-sessions-repo';
import { readerSessionOf } from '../core/stream-status';
import { isReadSessionLive, type Subscriber } from './authorize-subscriber';

export interface StoreSubscriberConnectionPorts {
  connections: Pick<ConnectionsRepo, 'put' | 'delete'>;
  /** The users' sign-in sessions (a reader's session must still be live once its connection is stored). */
  sessions: Pick<UserSessionsRepo, 'get'>;
}

/** Stored, or refused with a reason for the log (`session_ended`, `reader_without_email`). */
export type StoredConnection = { stored: true } | { stored: false; reason: string };

/**
 * `$connect`: stores the connection of the subscriber the authorizer allowed. A console reader's sign-in
 * session is checked once more AFTER the record is written: management ends a session's connections by
 * listing them once right after revoking it (use-cases/management/end-connections.ts), so a connection
 * authorised before the revocation but stored after that listing would otherwise outlive the session.
 * Either the listing sees the record, or this read (consistent) sees the session gone; then the record is
 * deleted and the upgrade refused.
 */
export async function storeSubscriberConnection(
  ports: StoreSubscriberConnectionPorts,
  connection: { connectionId: string; subscriber: Subscriber; batch: boolean },
): Promise<StoredConnection> {
  const { connectionId, subscriber, batch } = connection;
  const sessionId = readerSessionOf(subscriber.clientId);
  // Fails closed: a reader whose session cannot be named could not be ended.
  if (sessionId !== undefined && subscriber.email === undefined) {
    return { stored: false, reason: 'reader_without_email' };
  }
  const { accountId, stream: streamName, clientId } = subscriber;
  await ports.connections.put({ connectionId, accountId, streamName, clientId, batch });
  if (sessionId === undefined || subscriber.email === undefined) return { stored: true };
  let live = false;
  try {
    live = await isReadSessionLive(ports.sessions, { accountId, email: subscriber.email, sessionId });
  } finally {
    // Also when the check failed: the upgrade is refused then, so the record must not stay behind.
    if (!live) await ports.connections.delete(connectionId);
  }
  return live ? { stored: true } : { stored: false, reason: 'session_ended' };
}
