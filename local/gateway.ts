import { createServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { LogRateLimit } from '../lambdas/core/log-rate-limit';
import { type FunctionName, TOPOLOGY } from '../lib/topology';
import type { HttpRouteSpec, WebSocketApiSpec } from '../lib/topology-types';
import { type ConnectionsServer, startConnectionsServer } from './connections-server';
import type { ConsoleSite } from './console-site';
import { createFrontDoor } from './front-door';
import type { GatewayContext } from './gateway-context';
import { HttpApi } from './gateway-http';
import { WebSocketApi } from './gateway-websocket';
import { createH2cServer, type H2cLimits } from './h2c-server';
import { invokeHandler, type LambdaHandler } from './lambda-invoke';
import type { LocalCredentials } from './local-account';
import { localFunctionName } from './local-names';

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

/** Starts the gateway; resolves once it listens. */
export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const host = opts.host ?? '127.0.0.1';
  const webSocket = opts.webSocket ?? TOPOLOGY.webSocketApi;
  const routes = opts.routes ?? TOPOLOGY.httpApi.routes;
  const timeoutMs = opts.integrationTimeoutMs ?? 30_000;
  const handlerOf = handlersFor(opts.handlers, routes, webSocket);

  let localPort = 0;
  const ctx: GatewayContext = {
    invoke: (name, event) => invokeHandler(handlerOf(name), localFunctionName(name), event, timeoutMs),
    log: opts.log ?? (() => undefined),
    isReady: opts.isReady ?? (() => true),
    apiId: opts.apiId ?? 'local',
    localPort: () => localPort,
  };
  const httpApi = new HttpApi(ctx, {
    routes,
    console: opts.console,
    maxBodyBytes: opts.maxBodyBytes ?? 10 * 1024 * 1024,
    shedLoad: opts.shedLoad,
  });
  const webSockets = new WebSocketApi(ctx, {
    webSocket,
    stage: opts.stage ?? webSocket.local.stage,
    idleTimeoutMs: opts.idleTimeoutMs ?? 10 * 60_000,
    maxConnectionMs: opts.maxConnectionMs ?? 2 * 60 * 60_000,
    maxConnectionsPerClient: opts.maxConnectionsPerClient ?? 25,
    pingIntervalMs: opts.pingIntervalMs ?? 30_000,
  });
  const http1 = createServer(httpApi.onRequest);
  const h2c = createH2cServer(httpApi.onRequest, opts.http2);
  const frontDoor = createFrontDoor({ http1, http2: h2c.server });
  const server = frontDoor.server;
  http1.on('upgrade', webSockets.onUpgrade);

  localPort = await listen(server, opts.port, host);
  const authority = `${host.includes(':') ? `[${host}]` : host}:${localPort}`;
  const callbacks = opts.connectionsCredentials
    ? await startCallbacks(host, webSockets, opts.connectionsCredentials, ctx.log, opts.maxBufferedBytes)
    : undefined;

  return {
    url: `http://${authority}`,
    wsUrl: `ws://${authority}${webSocket.local.path}`,
    port: localPort,
    connectionsUrl: callbacks?.url,
    connectionCount: () => webSockets.connections.size,
    async close() {
      webSockets.stopSweeping();
      await callbacks?.close();
      await webSockets.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        http1.closeAllConnections();
        for (const session of h2c.sessions()) session.destroy();
        frontDoor.destroyConnections();
      });
    },
  };
}

/** The handler of each function; throws at start when a route or the WebSocket API names one without. */
function handlersFor(
  handlers: GatewayHandlers,
  routes: readonly HttpRouteSpec<FunctionName>[],
  webSocket: WebSocketApiSpec<FunctionName>,
): (name: FunctionName) => LambdaHandler {
  const handlerOf = (name: FunctionName): LambdaHandler => {
    const handler = handlers[name];
    if (!handler) throw new Error(`no handler for function ${name}`);
    return handler;
  };
  for (const route of routes) handlerOf(route.function);
  const { connect, disconnect } = webSocket;
  for (const name of [connect.authorizer, connect.function, disconnect.function]) handlerOf(name);
  return handlerOf;
}

/** Listens on a port (0: a free one); resolves with the port. */
async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** The `@connections` endpoint on a loopback port of its own, posting to the gateway's connections. */
function startCallbacks(
  host: string,
  webSockets: WebSocketApi,
  credentials: LocalCredentials,
  log: (line: string) => void,
  maxBufferedBytes: number | undefined,
): Promise<ConnectionsServer> {
  // Closing slow subscribers is logged, but never more than a few lines a minute.
  const slowLog = new LogRateLimit({ maxPerWindow: 5, windowMs: 60_000 });
  return startConnectionsServer({
    host,
    connections: webSockets.connections,
    credentials,
    log,
    limits: {
      maxBufferedBytes,
      onSlowSubscriberClosed: () => {
        const slot = slowLog.take();
        if (!slot.allowed) return;
        const held = slot.suppressed > 0 ? ` (${slot.suppressed} more not logged)` : '';
        log(`closed a subscriber that did not read its frames${held}`);
      },
    },
  });
}
