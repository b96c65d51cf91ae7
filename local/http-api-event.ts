import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type GatewayRequest, requestHeaderPairs } from './gateway-request';
import { LOCAL_ACCOUNT_ID } from './local-account';

/**
 * API Gateway HTTP API (payload format 2.0) emulation: the event a Lambda integration receives, and the
 * mapping of the Lambda's result back to an HTTP response, following the documented v2 rules.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
  'te',
]);

/** `17/Jun/2024:15:52:39 +0000`, the format of `requestContext.time` and `requestTime`. */
export function apiGatewayTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`
  );
}

/** An id in API Gateway's style (`ZhNHJhhLjoEEPiw=`): 10 random bytes, base64. */
export function apiGatewayId(): string {
  return randomBytes(10).toString('base64').replaceAll('+', 'A').replaceAll('/', 'B');
}

/** `Root=1-<epoch s hex>-<24 hex>` like the trace header API Gateway adds. */
export function traceId(epochMs: number): string {
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** The client's IP without the IPv4-mapped IPv6 prefix. */
export function sourceIpOf(req: GatewayRequest): string {
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
}

/** Text bodies are passed as UTF-8; anything else (including no content type) is base64, as HTTP APIs do. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/([\w.-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/graphql'
  );
}

/** Query parameters as API Gateway v2 gives them: decoded, repeated names joined with ','. */
export function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

function decodeSafely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

// Real HTTP API events of routes without an authorizer carry `"authorizer": {"lambda": null}`.
const NO_AUTHORIZER = { authorizer: { lambda: null } };

export interface HttpApiRoute {
  /** e.g. `POST /event`, `ANY /v1/{proxy+}` */
  routeKey: string;
  pathParameters?: Record<string, string>;
}

export interface HttpApiEventInput {
  /** HTTP/1.1 or HTTP/2: both give the same event (header names lower-case, pseudo-headers dropped). */
  req: GatewayRequest;
  route: HttpApiRoute;
  body: Buffer;
  apiId: string;
  localPort: number;
  requestId: string;
  epochMs: number;
}

/** A request path decoded as API Gateway HTTP APIs decode it; undefined when it is not valid percent-encoding. */
export function decodeApiPath(encodedPath: string): string | undefined {
  try {
    return decodeURIComponent(encodedPath);
  } catch {
    return undefined;
  }
}

/** The payload v2 event for one request (same keys and types as a real HTTP API event). */
export function buildHttpApiEvent(input: HttpApiEventInput): APIGatewayProxyEventV2 {
  const { req, route, body, apiId, epochMs, requestId } = input;
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  // API Gateway HTTP APIs hand the path over URL-decoded (REST APIs and function URLs do not).
  const rawPath = decodeApiPath(queryAt === -1 ? url : url.slice(0, queryAt)) ?? '/';
  const rawQueryString = queryAt === -1 ? '' : url.slice(queryAt + 1);
  const sourceIp = sourceIpOf(req);

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of requestHeaderPairs(req)) {
    if (HOP_BY_HOP.has(name)) continue;
    if (name === 'cookie') {
      cookies = [
        ...(cookies ?? []),
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      ];
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  headers['x-amzn-trace-id'] ??= traceId(epochMs);
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']},${sourceIp}`
    : sourceIp;
  headers['x-forwarded-port'] = String(input.localPort);
  headers['x-forwarded-proto'] = 'http';

  const domainName = (headers.host ?? `127.0.0.1:${input.localPort}`).replace(/:\d+$/, '');
  const queryStringParameters = parseQuery(rawQueryString);
  const isBase64Encoded = body.length > 0 && !isTextContentType(headers['content-type']);

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(route.pathParameters
      ? {
          pathParameters: Object.fromEntries(
            Object.entries(route.pathParameters).map(([k, v]) => [k, decodeSafely(v)]),
          ),
        }
      : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId,
      ...NO_AUTHORIZER,
      domainName,
      domainPrefix: domainName.split('.')[0]!,
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: apiGatewayTime(epochMs),
      timeEpoch: epochMs,
    },
    ...(body.length > 0 ? { body: isBase64Encoded ? body.toString('base64') : body.toString('utf8') } : {}),
    isBase64Encoded,
  };
  return event;
}

export interface HttpResponse {
  statusCode: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

/** API Gateway's own JSON error answers, e.g. `{"message":"Internal Server Error"}`. */
export function gatewayError(statusCode: number, message: string): HttpResponse {
  return {
    statusCode,
    headers: [['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

function isHeaderValue(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * Maps a Lambda result to the HTTP response per the payload v2 rules: an object with `statusCode` is a
 * structured response; anything else is a 200 `application/json` whose body is the result (strings as is).
 * A malformed structured response is a 500, as API Gateway answers.
 */
export function toHttpResponse(result: unknown): HttpResponse {
  const structured =
    typeof result === 'object' && result !== null && !Array.isArray(result) && 'statusCode' in result;
  if (!structured) {
    const body = result === undefined ? '' : typeof result === 'string' ? result : JSON.stringify(result);
    return { statusCode: 200, headers: [['content-type', 'application/json']], body: Buffer.from(body) };
  }
  const r = result as {
    statusCode: unknown;
    headers?: unknown;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  const statusCode = Number(r.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return gatewayError(500, 'Internal Server Error');
  }
  const headers: Array<[string, string]> = [];
  if (r.headers !== undefined) {
    if (typeof r.headers !== 'object' || r.headers === null)
      return gatewayError(500, 'Internal Server Error');
    for (const [name, value] of Object.entries(r.headers)) {
      if (!isHeaderValue(value)) return gatewayError(500, 'Internal Server Error');
      headers.push([name.toLowerCase(), String(value)]);
    }
  }
  if (Array.isArray(r.cookies)) {
    for (const cookie of r.cookies) headers.push(['set-cookie', String(cookie)]);
  }
  let body = Buffer.alloc(0);
  if (r.body !== undefined && r.body !== null) {
    if (typeof r.body !== 'string') return gatewayError(500, 'Internal Server Error');
    body = r.isBase64Encoded === true ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
  }
  return { statusCode, headers, body };
}
