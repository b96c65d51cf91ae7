import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { WebSocketRouteEvent } from '../../lambdas/handlers/ws-connect';

/**
 * WebSocket API events as API Gateway hands them to the handlers, built from the real `$connect`
 * authorizer sample in test/fixtures/aws-events (see its README for the route events' shape).
 */
function connectSample(): APIGatewayRequestAuthorizerEvent {
  const path = join(__dirname, '../fixtures/aws-events/websocket-connect-authorizer-request.json');
  return JSON.parse(readFileSync(path, 'utf8')) as APIGatewayRequestAuthorizerEvent;
}

/** The `methodArn` of every authorizer event built here. */
export const CONNECT_METHOD_ARN = connectSample().methodArn;

/** The `$connect` REQUEST authorizer event with extra upgrade headers and query parameters. */
export function connectAuthorizerEvent(
  opts: { headers?: Record<string, string>; query?: Record<string, string> } = {},
): APIGatewayRequestAuthorizerEvent {
  const sample = connectSample();
  return {
    ...sample,
    headers: { ...sample.headers, ...(opts.headers ?? {}) },
    queryStringParameters: { ...sample.queryStringParameters, ...(opts.query ?? {}) },
  };
}

/** The `$connect` route event after the authorizer, carrying the authorizer's context. */
export function connectRouteEvent(
  connectionId: string,
  authorizer: Record<string, unknown> | null | undefined,
): WebSocketRouteEvent {
  return { requestContext: { eventType: 'CONNECT', connectionId, authorizer } };
}

/** The `$disconnect` route event. */
export function disconnectRouteEvent(connectionId: string): WebSocketRouteEvent {
  return { requestContext: { eventType: 'DISCONNECT', connectionId } };
}
