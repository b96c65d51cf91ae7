import type { IncomingMessage } from 'node:http';
import { apiGatewayTime, traceId } from './http-api-event';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './local-account';

/**
 * API Gateway WebSocket API emulation: the `$connect` REQUEST authorizer event, the `$connect` and
 * `$disconnect` integration events, and the evaluation of the authorizer's IAM policy.
 */

/** What the gateway knows about a connection from its upgrade request. */
export interface ConnectionRequest {
  connectionId: string;
  connectedAt: number;
  requestId: string;
  extendedRequestId: string;
  sourceIp: string;
  userAgent: string;
  domainName: string;
  apiId: string;
  stage: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
}

/** Reads headers (original casing, as WebSocket APIs pass them) and query parameters of an upgrade. */
export function describeUpgrade(
  req: IncomingMessage,
  ids: { connectionId: string; requestId: string; extendedRequestId: string; apiId: string; stage: string },
  localPort: number,
  nowMs: number,
): ConnectionRequest {
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), req.rawHeaders[i + 1]!];
  }
  const extra: Record<string, string> = {
    'X-Amzn-Trace-Id': traceId(nowMs),
    'X-Forwarded-For': sourceIp,
    'X-Forwarded-Port': String(localPort),
    'X-Forwarded-Proto': 'http',
  };
  for (const [name, value] of Object.entries(extra)) multiValueHeaders[name] ??= [value];
  const headers = Object.fromEntries(
    Object.entries(multiValueHeaders).map(([k, v]) => [k, v[v.length - 1]!]),
  );

  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  if (queryAt !== -1) {
    for (const [name, value] of new URLSearchParams(url.slice(queryAt + 1))) {
      multiValueQueryStringParameters[name] = [...(multiValueQueryStringParameters[name] ?? []), value];
    }
  }
  const queryStringParameters = Object.fromEntries(
    Object.entries(multiValueQueryStringParameters).map(([k, v]) => [k, v[v.length - 1]!]),
  );
  const host = (req.headers.host ?? `127.0.0.1:${localPort}`).replace(/:\d+$/, '');
  return {
    ...ids,
    connectedAt: nowMs,
    sourceIp,
    userAgent: String(req.headers['user-agent'] ?? ''),
    domainName: host,
    headers,
    multiValueHeaders,
    queryStringParameters,
    multiValueQueryStringParameters,
  };
}

export function methodArnOf(conn: Pick<ConnectionRequest, 'apiId' | 'stage'>, route: string): string {
  return `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${conn.apiId}/${conn.stage}/${route}`;
}

function baseRequestContext(conn: ConnectionRequest, routeKey: string, eventType: string, nowMs: number) {
  return {
    routeKey,
    eventType,
    extendedRequestId: conn.extendedRequestId,
    requestTime: apiGatewayTime(nowMs),
    messageDirection: 'IN',
    stage: conn.stage,
    connectedAt: conn.connectedAt,
    requestTimeEpoch: nowMs,
    requestId: conn.requestId,
    domainName: conn.domainName,
    connectionId: conn.connectionId,
    apiId: conn.apiId,
  };
}

/** The REQUEST authorizer event of `$connect` (shape of websocket-connect-authorizer-request.json). */
export function buildAuthorizerEvent(conn: ConnectionRequest, nowMs: number) {
  const { routeKey, eventType, ...rest } = baseRequestContext(conn, '$connect', 'CONNECT', nowMs);
  return {
    type: 'REQUEST',
    methodArn: methodArnOf(conn, '$connect'),
    headers: conn.headers,
    multiValueHeaders: conn.multiValueHeaders,
    queryStringParameters: conn.queryStringParameters,
    multiValueQueryStringParameters: conn.multiValueQueryStringParameters,
    stageVariables: {},
    requestContext: { routeKey, eventType, ...rest, identity: { sourceIp: conn.sourceIp } },
    isBase64Encoded: false,
    body: null,
  };
}

/** Authorizer context as API Gateway passes it on: the context values plus `principalId`. */
export type AuthorizerContext = Record<string, string | number | boolean>;

/** The `$connect` integration event, after the authorizer allowed the connection. */
export function buildConnectEvent(conn: ConnectionRequest, authorizer: AuthorizerContext, nowMs: number) {
  return {
    headers: conn.headers,
    multiValueHeaders: conn.multiValueHeaders,
    ...(Object.keys(conn.queryStringParameters).length > 0
      ? {
          queryStringParameters: conn.queryStringParameters,
          multiValueQueryStringParameters: conn.multiValueQueryStringParameters,
        }
      : {}),
    requestContext: {
      ...baseRequestContext(conn, '$connect', 'CONNECT', nowMs),
      authorizer,
      identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
    },
    isBase64Encoded: false,
  };
}

/** The `$disconnect` integration event. */
export function buildDisconnectEvent(
  conn: ConnectionRequest,
  authorizer: AuthorizerContext,
  close: { code: number; reason: string },
  nowMs: number,
) {
  return {
    headers: conn.headers,
    multiValueHeaders: conn.multiValueHeaders,
    requestContext: {
      ...baseRequestContext(conn, '$disconnect', 'DISCONNECT', nowMs),
      disconnectStatusCode: close.code,
      disconnectReason: close.reason,
      authorizer,
      identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
    },
    isBase64Encoded: false,
  };
}

/** Why an authorizer result did not allow the connection; `status` is what API Gateway answers. */
export class AuthorizerRejection extends Error {
  constructor(readonly status: 401 | 403 | 500) {
    super(status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Internal Server Error');
    this.name = 'AuthorizerRejection';
  }
}

function globMatches(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

function asList(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Evaluates an authorizer's result for `methodArn`: an explicit Deny wins, then an Allow of
 * `execute-api:Invoke` on a matching resource; no match is a Deny (403). A malformed result or a context
 * with non-scalar values is a 500, as API Gateway answers. Returns the integration's `authorizer` object.
 */
export function evaluateAuthorizerResult(result: unknown, methodArn: string): AuthorizerContext {
  if (typeof result !== 'object' || result === null) throw new AuthorizerRejection(500);
  const { principalId, policyDocument, context } = result as {
    principalId?: unknown;
    policyDocument?: { Statement?: unknown };
    context?: unknown;
  };
  if (typeof policyDocument !== 'object' || policyDocument === null) throw new AuthorizerRejection(500);
  const statements = Array.isArray(policyDocument.Statement)
    ? policyDocument.Statement
    : [policyDocument.Statement];
  let allowed = false;
  for (const statement of statements) {
    if (typeof statement !== 'object' || statement === null) continue;
    const { Effect, Action, Resource } = statement as {
      Effect?: unknown;
      Action?: unknown;
      Resource?: unknown;
    };
    const actionMatches = asList(Action).some((a) => globMatches(a, 'execute-api:Invoke'));
    const resourceMatches = asList(Resource).some((r) => globMatches(r, methodArn));
    if (!actionMatches || !resourceMatches) continue;
    if (Effect === 'Deny') throw new AuthorizerRejection(403);
    if (Effect === 'Allow') allowed = true;
  }
  if (!allowed) throw new AuthorizerRejection(403);

  const authorizer: AuthorizerContext = {};
  if (context !== undefined && context !== null) {
    if (typeof context !== 'object') throw new AuthorizerRejection(500);
    for (const [key, value] of Object.entries(context)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new AuthorizerRejection(500);
      }
      authorizer[key] = value;
    }
  }
  authorizer.principalId = typeof principalId === 'string' ? principalId : String(principalId ?? '');
  return authorizer;
}
