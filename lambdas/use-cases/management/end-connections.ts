import type { ConnectionRecord } from '../../aws/connections-repo';
import { isReaderOfSessions } from '../../core/stream-status';
import { runWithConcurrency } from '../run-with-concurrency';
import type { ManagementPorts } from './ports';

/** Connections ended at the same time. */
const CONCURRENCY = 8;

type EndConnectionsPorts = Pick<ManagementPorts, 'connections' | 'sockets'>;

/**
 * Ends the WebSocket subscribers of a stream — all of them, or only those of one client id: each socket is
 * closed (`DeleteConnection`) and its record deleted, so that egress finds no one to deliver to even where
 * a close did not get through. Called after the stream or credential is gone, so no new subscriber of it
 * can be authorised meanwhile. Returns how many were ended.
 */
export async function endConnections(
  ports: EndConnectionsPorts,
  accountId: string,
  streamName: string,
  clientId?: string,
): Promise<number> {
  return endMatching(ports, accountId, streamName, (c) => clientId === undefined || c.clientId === clientId);
}

/**
 * Ends the console's read-only subscribers (reader ids, core/stream-status.ts) of these sign-in sessions on
 * every stream of the account: after a logout, a password change or a user's removal, so a decrypted feed
 * does not outlive the session that opened it. Called after the sessions are revoked, so the authorizer
 * refuses their read tokens meanwhile. Returns how many were ended.
 */
export async function endSessionConnections(
  ports: EndConnectionsPorts & Pick<ManagementPorts, 'streams'>,
  accountId: string,
  sessionIds: readonly string[],
): Promise<number> {
  if (sessionIds.length === 0) return 0;
  const sessions = new Set(sessionIds);
  let ended = 0;
  for (const stream of await ports.streams.list(accountId)) {
    ended += await endMatching(ports, accountId, stream.name, (c) =>
      isReaderOfSessions(c.clientId, sessions),
    );
  }
  return ended;
}

async function endMatching(
  ports: EndConnectionsPorts,
  accountId: string,
  streamName: string,
  matches: (connection: ConnectionRecord) => boolean,
): Promise<number> {
  const doomed = (await ports.connections.listByStream(accountId, streamName)).filter(matches);
  await runWithConcurrency(doomed, CONCURRENCY, async ({ connectionId }) => {
    try {
      await ports.sockets.disconnect(connectionId);
    } finally {
      await ports.connections.delete(connectionId);
    }
  });
  return doomed.length;
}
