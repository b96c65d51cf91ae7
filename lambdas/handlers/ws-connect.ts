import { Logger } from '@aws-lambda-powertools/logger';
import { dynamoDocumentClient } from '../aws/clients';
import { requiredEnv } from '../aws/config';
import { ConnectionsRepo } from '../aws/connections-repo';
import { lambdaEntryPoint } from '../runtime/entry-point';

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

export interface WsConnectDeps {
  connections: Pick<ConnectionsRepo, 'put' | 'delete'>;
  logger?: Logger;
}

export type WsConnectHandler = (event: WebSocketRouteEvent) => Promise<WebSocketRouteResult>;

/** `$connect` stores the subscriber of the stream its token named (and its frame mode); `$disconnect` deletes it. */
export function createWsConnectHandler(deps: WsConnectDeps): WsConnectHandler {
  const logger = deps.logger ?? new Logger({ serviceName: 'ws-connect' });
  return async (event) => {
    const { eventType, connectionId, authorizer } = event.requestContext;
    if (eventType === 'CONNECT') {
      const accountId = authorizer?.accountId;
      const streamName = authorizer?.stream;
      const clientId = authorizer?.clientId;
      if (typeof accountId !== 'string' || typeof streamName !== 'string' || typeof clientId !== 'string') {
        // Only reachable without the authorizer in front (a misconfigured route): refuse the upgrade.
        logger.error('connect without authorizer context', { connectionId });
        return { statusCode: 403 };
      }
      const batch = event.queryStringParameters?.batch?.toLowerCase() === 'true';
      await deps.connections.put({ connectionId, accountId, streamName, clientId, batch });
      return { statusCode: 200 };
    }
    if (eventType === 'DISCONNECT') {
      await deps.connections.delete(connectionId);
      return { statusCode: 200 };
    }
    return { statusCode: 400 };
  };
}

/** Lambda entry point for the `$connect` and `$disconnect` routes. */
export const handler = lambdaEntryPoint('ws-connect', () =>
  createWsConnectHandler({
    connections: new ConnectionsRepo({
      doc: dynamoDocumentClient(),
      table: requiredEnv('CONNECTIONS_TABLE'),
    }),
  }),
);
