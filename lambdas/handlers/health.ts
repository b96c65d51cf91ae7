import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { json } from '../http/responses';
import { lambdaEntryPoint } from '../runtime/entry-point';

/** `GET /ready`: liveness of the HTTP API; touches no dependency, so it answers even when they are down. */
export function createHealthHandler() {
  return async function handler(): Promise<APIGatewayProxyStructuredResultV2> {
    return json(200, { status: 'ok' });
  };
}

/** Lambda entry point (the route sends an event; the answer does not depend on it). */
export const handler = lambdaEntryPoint<void, APIGatewayProxyStructuredResultV2>(
  'health',
  createHealthHandler,
);
