import { retryAfterValue } from '../lambdas/http/responses';
import type { FunctionName } from '../lib/topology';
import { gatewayError, type HttpResponse } from './http-api-event';

/**
 * Load shedding at the gateway: a route's function that the stack says is behind is not invoked; the
 * caller gets API Gateway's 429 with the seconds to wait (Retry-After). undefined when it is served.
 */
export function shedResponse(
  shedLoad: ((fn: FunctionName) => number | undefined) | undefined,
  fn: FunctionName,
): HttpResponse | undefined {
  const retryAfter = shedLoad?.(fn);
  if (retryAfter === undefined) return undefined;
  const busy = gatewayError(429, 'Too Many Requests');
  return { ...busy, headers: [...busy.headers, ['retry-after', retryAfterValue(retryAfter)]] };
}
