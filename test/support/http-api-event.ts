import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** The real HTTP API (payload 2.0) sample of test/fixtures/aws-events, without its own credentials. */
function sample(): APIGatewayProxyEventV2 {
  const path = join(__dirname, '../fixtures/aws-events/http-api-v2-request.json');
  const event = JSON.parse(readFileSync(path, 'utf8')) as APIGatewayProxyEventV2;
  delete event.headers.authorization;
  delete event.headers['content-length'];
  return event;
}

/**
 * An HTTP API (payload 2.0) event as API Gateway hands it to a handler, built from the real sample: the
 * method and path in `routeKey`, `rawPath` and `requestContext.http`, the given headers (lower-case, as
 * API Gateway sends them) and body. For unit tests that call a handler through its factory.
 */
export function httpApiEvent(input: {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
}): APIGatewayProxyEventV2 {
  const event = sample();
  const routeKey = `${input.method} ${input.path}`;
  return {
    ...event,
    routeKey,
    rawPath: input.path,
    headers: { ...event.headers, ...(input.headers ?? {}) },
    requestContext: {
      ...event.requestContext,
      routeKey,
      http: { ...event.requestContext.http, method: input.method, path: input.path },
    },
    body: input.body,
    isBase64Encoded: input.isBase64Encoded ?? false,
  };
}
