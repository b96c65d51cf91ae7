import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json } from '../http/responses';

/** `GET /ready`: liveness of the HTTP API; touches no dependency, so it answers even when they are down. */
export function createHealthHandler() {
  return async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
    return json(200, { status: 'ok' });
  };
}

/** Lambda entry point. */
export const handler = createHealthHandler();
