import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/**
 * A request as the local gateway reads it: HTTP/1.1 (node:http) or HTTP/2 (node:http2's compatibility
 * API). Both give method, url, raw header pairs, the socket's address and a readable body, so the rest of
 * the gateway builds the same API Gateway events from either.
 */
export type GatewayRequest = IncomingMessage | Http2ServerRequest;
export type GatewayResponse = ServerResponse | Http2ServerResponse;

/**
 * The request's header pairs as sent, lower-case, without HTTP/2 pseudo-headers (`:method`, `:path`,
 * `:scheme` — the original drivers send `:scheme: https` even over cleartext — and `:authority`). The
 * `:authority` of an HTTP/2 request becomes `host`, as API Gateway shows it for either protocol.
 */
export function requestHeaderPairs(req: GatewayRequest): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let authority: string | undefined;
  let host = false;
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === ':authority') authority = value;
    if (name.startsWith(':')) continue;
    if (name === 'host') host = true;
    pairs.push([name, value]);
  }
  if (!host && authority !== undefined) pairs.unshift(['host', authority]);
  return pairs;
}

/** The request's host (`Host`, or HTTP/2 `:authority`), if any. */
export function requestHost(req: GatewayRequest): string | undefined {
  return requestHeaderPairs(req).find(([name]) => name === 'host')?.[1];
}

/** Headers that only mean something to one HTTP/1.1 connection; HTTP/2 forbids them in a response. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

/** Whether a response header may be sent over this request's protocol. */
export function mayCarryHeader(req: GatewayRequest, name: string): boolean {
  return req.httpVersionMajor < 2 || !CONNECTION_SPECIFIC.has(name.toLowerCase());
}
