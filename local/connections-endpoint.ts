import type { WebSocket } from 'ws';
import type { GatewayRequest, GatewayResponse } from './gateway-request';
import { apiGatewayId } from './http-api-event';
import { BodyTooLargeError, readRequestBody } from './request-body';
import type { AuthorizerContext, ConnectionRequest } from './websocket-events';

/**
 * The WebSocket API's `@connections` management endpoint (PostToConnection, GetConnection,
 * DeleteConnection) over the live sockets, so the egress handler's real ApiGatewayManagementApiClient works.
 * Served by local/connections-server.ts on a loopback port of its own, for signed requests only.
 */

/** API Gateway's per-message limit for WebSocket APIs. */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/**
 * Unsent bytes a subscriber may hold before it is closed (as API Gateway closes a client that does not
 * read): a paused socket costs at most this much memory, and the others are not slowed down by it.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

/** `/@connections/{id}`, optionally after a stage segment (`/prod/@connections/{id}`). */
export const CONNECTIONS_PATH = /^\/(?:[^/]+\/)?@connections\/([^/]+)$/;

export interface LiveConnection {
  ws: WebSocket;
  request: ConnectionRequest;
  authorizer: AuthorizerContext;
  /** Last frame (message or ping) from the client; idle connections are closed like API Gateway does. */
  lastActiveAt: number;
  /** Last event posted to the client: locally a subscriber that receives events is not idle. */
  lastDeliveryAt: number;
  /** Cleared on each keep-alive ping, set again by the pong: a dead peer misses one. */
  alive: boolean;
}

/** How the endpoint treats slow subscribers, and where it says so. */
export interface SubscriberLimits {
  /** Default DEFAULT_MAX_BUFFERED_BYTES. */
  maxBufferedBytes?: number;
  /** Told once per subscriber closed for not reading (rate limiting is the caller's). */
  onSlowSubscriberClosed?: (connectionId: string) => void;
}

function reply(res: GatewayResponse, status: number, body?: unknown, errorType?: string): void {
  const headers: Record<string, string> = { 'x-amzn-requestid': apiGatewayId() };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(text);
}

function gone(res: GatewayResponse): void {
  reply(res, 410, { message: 'Gone' }, 'GoneException');
}

/**
 * Serves one `@connections` request; returns the status it answered (for the caller's log line).
 * An undefined `connectionId` (a path that does not decode) names no connection: it is Gone, like an unknown id.
 * Who may call is the server's business (local/connections-server.ts: signed, from loopback only).
 */
export async function handleConnectionsRequest(
  req: GatewayRequest,
  res: GatewayResponse,
  connectionId: string | undefined,
  connections: ReadonlyMap<string, LiveConnection>,
  limits: SubscriberLimits = {},
): Promise<number> {
  const live = connectionId === undefined ? undefined : connections.get(connectionId);
  const open = live && live.ws.readyState === live.ws.OPEN ? live : undefined;
  switch (req.method) {
    case 'POST': {
      let body: Buffer;
      try {
        body = await readRequestBody(req, MAX_MESSAGE_BYTES);
      } catch (err) {
        if (!(err instanceof BodyTooLargeError)) throw err;
        reply(res, 413, { message: 'Message too long' }, 'PayloadTooLargeException');
        return 413;
      }
      if (!open) {
        gone(res);
        return 410;
      }
      if (open.ws.bufferedAmount + body.length > (limits.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES)) {
        // A subscriber that does not read is cut off, not buffered for: its memory is freed at once.
        open.ws.terminate();
        limits.onSlowSubscriberClosed?.(connectionId!);
        gone(res);
        return 410;
      }
      open.ws.send(body.toString('utf8'));
      open.lastDeliveryAt = Date.now();
      reply(res, 200);
      return 200;
    }
    case 'GET': {
      req.resume();
      if (!open) {
        gone(res);
        return 410;
      }
      // Wire names are camelCase; the SDK exposes them as ConnectedAt, Identity.SourceIp, ...
      reply(res, 200, {
        connectedAt: new Date(open.request.connectedAt).toISOString(),
        identity: { sourceIp: open.request.sourceIp, userAgent: open.request.userAgent },
        lastActiveAt: new Date(open.lastActiveAt).toISOString(),
      });
      return 200;
    }
    case 'DELETE': {
      req.resume();
      if (!open) {
        gone(res);
        return 410;
      }
      open.ws.close(1000, 'Connection deleted');
      reply(res, 204);
      return 204;
    }
    default:
      req.resume();
      reply(res, 404, { message: 'Not Found' }, 'NotFoundException');
      return 404;
  }
}
