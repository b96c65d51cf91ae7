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
  const subscribers = await ports.connections.listByStream(accountId, streamName);
  const doomed = subscribers.filter((c) => clientId === undefined || c.clientId === clientId);
  await runWithConcurrency(doomed, CONCURRENCY, async ({ connectionId }) => {
    try {
      await ports.sockets.disconnect(connectionId);
    } finally {
      await ports.connections.delete(connectionId);
    }
  });
  return doomed.length;
}
