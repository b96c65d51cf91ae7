import { createServer, type IncomingMessage, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { errorName } from '../lambdas/core/errors';
import { LogRateLimit } from '../lambdas/core/log-rate-limit';
import { retryAfterValue } from '../lambdas/http/responses';
import { type FunctionName, TOPOLOGY } from '../lib/topology';
import type { HttpRouteSpec, WebSocketApiSpec } from '../lib/topology-types';
import type { LiveConnection } from './connections-endpoint';
import { type ConnectionsServer, startConnectionsServer } from './connections-server';
import type { ConsoleSite } from './console-site';
import { createFrontDoor } from './front-door';
import { type GatewayRequest, type GatewayResponse, mayCarryHeader } from './gateway-request';
import { createH2cServer, type H2cLimits } from './h2c-server';
import {
  apiGatewayId,
  buildHttpApiEvent,
  decodeApiPath,
  gatewayError,
  type HttpResponse,
  toHttpResponse,
} from './http-api-event';
import { HttpRouteTable } from './http-routes';
import { InvocationTimeoutError, invokeHandler, type LambdaHandler } from './lambda-invoke';
import type { LocalCredentials } from './local-account';
import { localFunctionName } from './local-names';
import { LoggedPaths } from './logged-path';
import { BodyTooLargeError, readRequestBody } from './request-body';
import {
  type AuthorizerContext,
  AuthorizerRejection,
  buildAuthorizerEvent,
  buildConnectEvent,
  buildDisconnectEvent,
  type ConnectionRequest,
  describeUpgrade,
  evaluateAuthorizerResult,
  methodArnOf,
} from './websocket-events';

/**
 * The local API Gateway on one port (local/front-door.ts: HTTP/2 with prior knowledge, HTTP/1.1 and the
 * WebSocket upgrade, told apart by each connection's first bytes): the topology's HTTP API routes (the same
 * payload v2 events to the same handler modules the Lambdas run, whichever HTTP version the client spoke)
 * and its WebSocket API (authorizer, `$connect`, `$disconnect`) under the topology's local path; the
 * `@connections` management endpoint on a loopback port of its own, for requests signed with the stack's
 * credentials only (local/connections-server.ts).
 */

/** The functions the routes name, by topology name; tests may pass recording functions. */
export type GatewayHandlers = Readonly<Partial<Record<FunctionName, LambdaHandler>>>;

export interface GatewayOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  handlers: GatewayHandlers;
  /** The HTTP API routes; default the topology's. */
  routes?: readonly HttpRouteSpec<FunctionName>[];
  /** The WebSocket API; default the topology's. */
  webSocket?: WebSocketApiSpec<FunctionName>;
  /** One line per request: method, route template, status, latency (never bodies, tokens, query strings or path values). */
  log?: (line: string) => void;
  /** Every route (and WebSocket upgrade) answers 503 until this returns true (default: always ready). */
  isReady?: () => boolean;
  /** Default 'local'. */
  apiId?: string;
  /** WebSocket API stage name (in methodArn and events). Default: the topology's local stage. */
  stage?: string;
  /** HTTP API integration timeout: 30 s, then 503 like API Gateway. */
  integrationTimeoutMs?: number;
  /** The web console's files under /console/ (local/console-site.ts); none when absent. */
  console?: ConsoleSite;
  /** HTTP API payload limit: 10 MB, then 413. */
  maxBodyBytes?: number;
  /** Keep-alive pings to detect dead peers. Default 30 s. */
  pingIntervalMs?: number;
  /**
   * Connections with neither a client frame (message or ping) nor a delivered event for this long are
   * closed (API Gateway's idle limit: 10 min). Deliveries count locally so that a subscriber that is
   * receiving events is never cut off as idle (the original Receiver sends nothing); see the README.
   */
  idleTimeoutMs?: number;
  /** Maximum connection duration (API Gateway: 2 h). */
  maxConnectionMs?: number;
  /** Open connections one client id may hold; further upgrades answer 429. Default 25. */
  maxConnectionsPerClient?: number;
  /** Unsent bytes a subscriber may hold before it is closed. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** The credentials `@connections` requests must be signed with; without them no `@connections` endpoint runs. */
  connectionsCredentials?: LocalCredentials;
  /**
   * Load shedding: seconds to tell the caller to wait (429 + Retry-After) instead of invoking the route's
   * function, or undefined to serve it. The local stack sheds ingest while its pipeline is behind.
   */
  shedLoad?: (fn: FunctionName) => number | undefined;
  /** HTTP/2 limits (streams per session, session memory, idle sessions and streams, slow requests). */
  http2?: H2cLimits;
}

export interface Gateway {
  url: string;
  wsUrl: string;
  port: number;
  /** The `@connections` endpoint (WS_CALLBACK_URL); undefined without `connectionsCredentials`. */
  connectionsUrl: string | undefined;
  connectionCount(): number;
  /** Closes every WebSocket (running `$disconnect` for each) and the server. */
  close(): Promise<void>;
}

/** Statuses that carry no body (and so no Content-Length, RFC 9110 §8.6). */
const NO_BODY_STATUSES = new Set([204, 304]);

function writeResponse(
  req: GatewayRequest,
  res: GatewayResponse,
  response: HttpResponse,
  requestId: string,
): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (!mayCarryHeader(req, name)) continue;
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  headers['apigw-requestid'] = requestId;
  const bodyless = NO_BODY_STATUSES.has(response.statusCode);
  if (bodyless) delete headers['content-length'];
  else headers['content-length'] = String(response.body.length);
  res.writeHead(response.statusCode, headers);
  if (bodyless) res.end();
  else res.end(response.body);
}

function rejectUpgrade(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({ message: reason });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

function statusOfConnectResult(result: unknown): number {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const status = Number((result as { statusCode: unknown }).statusCode);
    return Number.isInteger(status) ? status : 500;
  }
  return 200;
}

/** How many open connections a client id holds. */
function connectionsOf(connections: ReadonlyMap<string, LiveConnection>, clientId: unknown): number {
  let count = 0;
  for (const live of connections.values()) if (live.authorizer.clientId === clientId) count++;
  return count;
}

/** Starts the gateway; resolves once it listens. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const host = opts.host ?? '127.0.0.1';
  const apiId = opts.apiId ?? 'local';
  const webSocket = opts.webSocket ?? TOPOLOGY.webSocketApi;
  const stage = opts.stage ?? webSocket.local.stage;
  const routes = new HttpRouteTable(opts.routes ?? TOPOLOGY.httpApi.routes);
  const loggedPaths = new LoggedPaths();
  const timeoutMs = opts.integrationTimeoutMs ?? 30_000;
  const maxBodyBytes = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 10 * 60_000;
  const maxConnectionMs = opts.maxConnectionMs ?? 2 * 60 * 60_000;
  const log = opts.log ?? (() => undefined);
  const isReady = opts.isReady ?? (() => true);
  const handlerOf = (name: FunctionName): LambdaHandler => {
    const handler = opts.handlers[name];
    if (!handler) throw new Error(`no handler for function ${name}`);
    return handler;
  };
  const invoke = (name: FunctionName, event: unknown) =>
    invokeHandler(handlerOf(name), localFunctionName(name), event, timeoutMs);
  for (const route of opts.routes ?? TOPOLOGY.httpApi.routes) handlerOf(route.function);
  for (const name of [
    webSocket.connect.authorizer,
    webSocket.connect.function,
    webSocket.disconnect.function,
  ])
    handlerOf(name);

  const maxPerClient = opts.maxConnectionsPerClient ?? 25;
  // Closing slow subscribers is logged, but never more than a few lines a minute.
  const slowLog = new LogRateLimit({ maxPerWindow: 5, windowMs: 60_000 });
  const connections = new Map<string, LiveConnection>();
  const pendingDisconnects = new Set<Promise<void>>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 128 * 1024 });
  let localPort = 0;

  async function serveHttp(req: GatewayRequest, res: GatewayResponse): Promise<void> {
    const started = performance.now();
    const epochMs = Date.now();
    const method = req.method ?? 'GET';
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const requestId = apiGatewayId();
    // Until a route is known, the path is logged as taking none: never the raw path (it may hold PII).
    let loggedPath = loggedPaths.ofApiRequest(method, rawPath, undefined);
    const finish = (response: HttpResponse) => {
      writeResponse(req, res, response, requestId);
      log(`${method} ${loggedPath} ${response.statusCode} ${Math.round(performance.now() - started)}ms`);
    };

    // The console's static files come before the API routes (like the CloudFront behaviour on AWS).
    const consoleResponse = opts.console?.respond(method, rawPath);
    if (consoleResponse) {
      req.resume();
      loggedPath = loggedPaths.ofConsoleRequest(rawPath, consoleResponse.statusCode);
      finish(consoleResponse);
      return;
    }

    if (decodeApiPath(rawPath) === undefined) {
      req.resume();
      finish(gatewayError(400, 'Bad Request'));
      return;
    }
    const match = routes.match(method, rawPath);
    if (!match) {
      req.resume();
      finish(gatewayError(404, 'Not Found'));
      return;
    }
    loggedPath = loggedPaths.ofApiRequest(method, rawPath, match);
    if (!isReady()) {
      req.resume();
      finish(gatewayError(503, 'Service Unavailable'));
      return;
    }
    const retryAfter = opts.shedLoad?.(match.function);
    if (retryAfter !== undefined) {
      req.resume();
      const busy = gatewayError(429, 'Too Many Requests');
      finish({
        ...busy,
        headers: [...busy.headers, ['retry-after', retryAfterValue(retryAfter)]],
      });
      return;
    }
    let body: Buffer;
    try {
      body = await readRequestBody(req, maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        finish(gatewayError(413, 'Request Entity Too Large'));
        res.on('finish', () => req.destroy());
        return;
      }
      throw err;
    }
    const event = buildHttpApiEvent({ req, route: match.route, body, apiId, localPort, requestId, epochMs });
    let response: HttpResponse;
    try {
      const result = await invoke(match.function, event);
      response = toHttpResponse(result);
    } catch (err) {
      const timedOut = err instanceof InvocationTimeoutError;
      // The error's message may quote input, so only its name is logged.
      log(`${localFunctionName(match.function)} ${timedOut ? 'timed out' : `threw ${errorName(err)}`}`);
      response = timedOut
        ? gatewayError(503, 'Service Unavailable')
        : gatewayError(500, 'Internal Server Error');
    }
    finish(response);
  }

  function runDisconnect(
    conn: ConnectionRequest,
    authorizer: AuthorizerContext,
    code: number,
    reason: string,
  ): void {
    const event = buildDisconnectEvent(conn, authorizer, { code, reason }, Date.now());
    const name = webSocket.disconnect.function;
    const pending = invoke(name, event)
      .then(() => undefined)
      .catch((err: unknown) => log(`${localFunctionName(name)} $disconnect threw ${errorName(err)}`))
      .finally(() => pendingDisconnects.delete(pending));
    pendingDisconnects.add(pending);
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const started = performance.now();
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const loggedPath = rawPath === webSocket.local.path ? rawPath : '(no route)';
    const done = (status: number) =>
      log(`WS ${loggedPath} ${status} ${Math.round(performance.now() - started)}ms`);
    if (rawPath !== webSocket.local.path) {
      rejectUpgrade(socket, 404);
      done(404);
      return;
    }
    if (!isReady()) {
      rejectUpgrade(socket, 503);
      done(503);
      return;
    }
    const now = Date.now();
    const conn = describeUpgrade(
      req,
      {
        connectionId: apiGatewayId(),
        requestId: apiGatewayId(),
        extendedRequestId: apiGatewayId(),
        apiId,
        stage,
      },
      localPort,
      now,
    );

    let authorizer: AuthorizerContext;
    try {
      const result = await invoke(webSocket.connect.authorizer, buildAuthorizerEvent(conn, now));
      authorizer = evaluateAuthorizerResult(result, methodArnOf(conn, '$connect'));
    } catch (err) {
      // A Lambda authorizer signals 401 by throwing 'Unauthorized'; any other failure is a 500.
      const status =
        err instanceof AuthorizerRejection
          ? err.status
          : (err as Error)?.message === 'Unauthorized'
            ? 401
            : 500;
      rejectUpgrade(socket, status);
      done(status);
      return;
    }
    // One token must not pin unbounded connections (and their buffers): API Gateway-style 429.
    if (connectionsOf(connections, authorizer.clientId) >= maxPerClient) {
      rejectUpgrade(socket, 429);
      done(429);
      return;
    }

    let status: number;
    try {
      const result = await invoke(
        webSocket.connect.function,
        buildConnectEvent(conn, authorizer, Date.now()),
      );
      status = statusOfConnectResult(result);
    } catch (err) {
      log(`${localFunctionName(webSocket.connect.function)} $connect threw ${errorName(err)}`);
      status = 500;
    }
    if (status < 200 || status >= 300) {
      rejectUpgrade(socket, status);
      done(status);
      return;
    }
    if (socket.destroyed) {
      // The client went away while $connect ran: the stored connection must be cleaned up.
      runDisconnect(conn, authorizer, 1006, '');
      done(499);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const live: LiveConnection = {
        ws,
        request: conn,
        authorizer,
        lastActiveAt: Date.now(),
        lastDeliveryAt: 0,
        alive: true,
      };
      connections.set(conn.connectionId, live);
      done(101);
      ws.on('message', () => {
        live.lastActiveAt = Date.now();
        // No routes besides $connect/$disconnect exist, so API Gateway answers any message like this.
        ws.send(
          JSON.stringify({
            message: 'Forbidden',
            connectionId: conn.connectionId,
            requestId: apiGatewayId(),
          }),
        );
      });
      ws.on('ping', () => {
        live.lastActiveAt = Date.now();
      });
      ws.on('pong', () => {
        live.alive = true;
      });
      ws.on('error', () => undefined);
      ws.on('close', (code, reason) => {
        connections.delete(conn.connectionId);
        runDisconnect(conn, authorizer, code, reason.toString('utf8'));
      });
    });
  }

  const onRequest = (req: GatewayRequest, res: GatewayResponse) => {
    serveHttp(req, res).catch((err: unknown) => {
      log(`gateway error ${errorName(err)}`);
      if (!res.headersSent)
        writeResponse(req, res, gatewayError(500, 'Internal Server Error'), apiGatewayId());
      else res.destroy();
    });
  };
  const http1 = createServer(onRequest);
  const h2c = createH2cServer(onRequest, opts.http2);
  const frontDoor = createFrontDoor({ http1, http2: h2c.server });
  const server = frontDoor.server;
  http1.on('upgrade', (req, socket, head) => {
    socket.on('error', () => undefined);
    upgrade(req, socket, head).catch(() => rejectUpgrade(socket, 500));
  });

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const live of connections.values()) {
      // Locally a delivered event counts as activity: a subscriber that receives events is not idle.
      const active = Math.max(live.lastActiveAt, live.lastDeliveryAt);
      if (now - live.request.connectedAt > maxConnectionMs || now - active > idleTimeoutMs) {
        live.ws.close(1001, 'Going away');
      } else if (!live.alive) {
        live.ws.terminate();
      } else {
        live.alive = false;
        live.ws.ping();
      }
    }
  }, opts.pingIntervalMs ?? 30_000);
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  localPort = (server.address() as AddressInfo).port;
  const authority = `${host.includes(':') ? `[${host}]` : host}:${localPort}`;
  let callbacks: ConnectionsServer | undefined;
  if (opts.connectionsCredentials) {
    callbacks = await startConnectionsServer({
      host,
      connections,
      credentials: opts.connectionsCredentials,
      log,
      limits: {
        maxBufferedBytes: opts.maxBufferedBytes,
        onSlowSubscriberClosed: () => {
          const slot = slowLog.take();
          if (!slot.allowed) return;
          const held = slot.suppressed > 0 ? ` (${slot.suppressed} more not logged)` : '';
          log(`closed a subscriber that did not read its frames${held}`);
        },
      },
    });
  }

  return {
    url: `http://${authority}`,
    wsUrl: `ws://${authority}${webSocket.local.path}`,
    port: localPort,
    connectionsUrl: callbacks?.url,
    connectionCount: () => connections.size,
    async close() {
      clearInterval(sweep);
      await callbacks?.close();
      for (const live of connections.values()) live.ws.close(1001, 'Going away');
      const deadline = Date.now() + 1000;
      while (connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const live of connections.values()) live.ws.terminate();
      while (connections.size > 0) await new Promise((r) => setTimeout(r, 5));
      await Promise.all([...pendingDisconnects]);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        http1.closeAllConnections();
        for (const session of h2c.sessions()) session.destroy();
        frontDoor.destroyConnections();
      });
    },
  };
}
