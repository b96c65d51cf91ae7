import { Logger } from '@aws-lambda-powertools/logger';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { ConnectionsRepo } from '../aws/connections-repo';
import { UserSessionsRepo } from '../aws/user-sessions-repo';
import { lambdaEntryPoint } from '../runtime/entry-point';
import {
  type StoreSubscriberConnectionPorts,
  storeSubscriberConnection,
} from '../use-cases/store-subscriber-connection';

/** The parts of the WebSocket `$connect` / `$disconnect` integration event this handler reads. */
export interface WebSocketRouteEvent {
  requestContext: {
    eventType?: string;
    connectionId: string;
    /** The `$connect` authorizer's context. */
    authorizer?: Record<string, unknown> | null;
  };
  /** The upgrade's query parameters (`$connect`): `batch=true` asks for batched frames. */
  queryStringParameters?: Record<string, string | undefined> | null;
}

export interface WebSocketRouteResult {
  statusCode: number;
}

export interface WsConnectDeps extends StoreSubscriberConnectionPorts {
  logger?: Logger;
}

export type WsConnectHandler = (event: WebSocketRouteEvent) => Promise<WebSocketRouteResult>;

/**
 * `$connect` stores the subscriber of the stream its token named (and its frame mode), refusing a console
 * reader whose session ended meanwhile; `$disconnect` deletes it.
 */
export function createWsConnectHandler(deps: WsConnectDeps): WsConnectHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'ws-connect' });
  return async (event) => {
    const { eventType, connectionId, authorizer } = event.requestContext;
    if (eventType === 'CONNECT') {
      const accountId = authorizer?.accountId;
      const streamName = authorizer?.stream;
      const clientId = authorizer?.clientId;
      const email = typeof authorizer?.email === 'string' ? authorizer.email : undefined;
      if (typeof accountId !== 'string' || typeof streamName !== 'string' || typeof clientId !== 'string') {
        // Only reachable without the authorizer in front (a misconfigured route): refuse the upgrade.
        logger.error('connect without authorizer context', { connectionId });
        return { statusCode: 403 };
      }
      const batch = event.queryStringParameters?.batch?.toLowerCase() === 'true';
      const subscriber = { accountId, stream: streamName, clientId, ...(email ? { email } : {}) };
      const stored = await storeSubscriberConnection(deps, { connectionId, subscriber, batch });
      if (stored.stored) return { statusCode: 200 };
      logger.info('connection refused', { reason: stored.reason });
      return { statusCode: 403 };
    }
    if (eventType === 'DISCONNECT') {
      await deps.connections.delete(connectionId);
      return { statusCode: 200 };
    }
    return { statusCode: 400 };
  };
}

/** Lambda entry point for the `$connect` and `$disconnect` routes. */
export const handler = lambdaEntryPoint('ws-connect', () => {
  const doc = dynamoDocumentClient();
  return createWsConnectHandler({
    connections: new ConnectionsRepo({ doc, table: requiredEnv('CONNECTIONS_TABLE') }),
    sessions: new UserSessionsRepo({ doc, table: requiredEnv('ACCOUNTS_TABLE') }),
  });
});
