import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { errorName } from '../lambdas/core/errors';
import type { FunctionName } from '../lib/topology';
import type { WebSocketApiSpec } from '../lib/topology-types';
import type { LiveConnection } from './connections-endpoint';
import type { GatewayContext } from './gateway-context';
import { apiGatewayId } from './http-api-event';
import { localFunctionName } from './local-names';
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
 * The local gateway's WebSocket API under the topology's local path: an upgrade runs the authorizer and
 * `$connect` as API Gateway does, then the socket is a live connection (which `@connections` posts to)
 * until it closes, runs idle or reaches its maximum duration; every close runs `$disconnect`.
 */

export interface WebSocketApiOptions {
  webSocket: WebSocketApiSpec<FunctionName>;
  /** Stage name (in methodArn and events). */
  stage: string;
  /** Neither a client frame nor a delivered event for this long closes a connection. */
  idleTimeoutMs: number;
  maxConnectionMs: number;
  /** Open connections one client id may hold; further upgrades answer 429. */
  maxConnectionsPerClient: number;
  pingIntervalMs: number;
}

export function rejectUpgrade(socket: Duplex, status: number): void {
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

export class WebSocketApi {
  /** The open connections by id (the `@connections` endpoint posts to them). */
  readonly connections = new Map<string, LiveConnection>();
  private readonly pendingDisconnects = new Set<Promise<void>>();
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 128 * 1024,
  });
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly opts: WebSocketApiOptions,
  ) {
    this.sweep = setInterval(() => this.sweepConnections(), opts.pingIntervalMs);
    this.sweep.unref();
  }

  /** The HTTP/1.1 server's `upgrade` listener. */
  readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => undefined);
    this.upgrade(req, socket, head).catch(() => rejectUpgrade(socket, 500));
  };

  /** Stops the idle and keep-alive sweep. */
  stopSweeping(): void {
    clearInterval(this.sweep);
  }

  /** Closes every connection (running `$disconnect` for each, terminating those that do not close within 1 s). */
  async close(): Promise<void> {
    for (const live of this.connections.values()) live.ws.close(1001, 'Going away');
    const deadline = Date.now() + 1000;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const live of this.connections.values()) live.ws.terminate();
    while (this.connections.size > 0) await new Promise((r) => setTimeout(r, 5));
    await Promise.all([...this.pendingDisconnects]);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const started = performance.now();
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const { webSocket } = this.opts;
    const loggedPath = rawPath === webSocket.local.path ? rawPath : '(no route)';
    const done = (status: number) =>
      this.ctx.log(`WS ${loggedPath} ${status} ${Math.round(performance.now() - started)}ms`);
    const refuse = (status: number) => {
      rejectUpgrade(socket, status);
      done(status);
    };
    if (rawPath !== webSocket.local.path) return refuse(404);
    if (!this.ctx.isReady()) return refuse(503);
    const conn = this.describe(req);
    const authorized = await this.authorize(conn);
    if (typeof authorized === 'number') return refuse(authorized);
    // One token must not pin unbounded connections (and their buffers): API Gateway-style 429.
    if (connectionsOf(this.connections, authorized.clientId) >= this.opts.maxConnectionsPerClient) {
      return refuse(429);
    }
    const status = await this.connect(conn, authorized);
    if (status < 200 || status >= 300) return refuse(status);
    if (socket.destroyed) {
      // The client went away while $connect ran: the stored connection must be cleaned up.
      this.runDisconnect(conn, authorized, 1006, '');
      done(499);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.open(ws, conn, authorized);
      done(101);
    });
  }

  private describe(req: IncomingMessage): ConnectionRequest {
    const ids = {
      connectionId: apiGatewayId(),
      requestId: apiGatewayId(),
      extendedRequestId: apiGatewayId(),
      apiId: this.ctx.apiId,
      stage: this.opts.stage,
    };
    return describeUpgrade(req, ids, this.ctx.localPort(), Date.now());
  }

  /** The authorizer's context, or the status of a refused upgrade. */
  private async authorize(conn: ConnectionRequest): Promise<AuthorizerContext | number> {
    try {
      const event = buildAuthorizerEvent(conn, conn.connectedAt);
      const result = await this.ctx.invoke(this.opts.webSocket.connect.authorizer, event);
      return evaluateAuthorizerResult(result, methodArnOf(conn, '$connect'));
    } catch (err) {
      // A Lambda authorizer signals 401 by throwing 'Unauthorized'; any other failure is a 500.
      if (err instanceof AuthorizerRejection) return err.status;
      return (err as Error)?.message === 'Unauthorized' ? 401 : 500;
    }
  }

  /** The status `$connect` answered (a throw is a 500, logged by error name). */
  private async connect(conn: ConnectionRequest, authorizer: AuthorizerContext): Promise<number> {
    const name = this.opts.webSocket.connect.function;
    try {
      return statusOfConnectResult(
        await this.ctx.invoke(name, buildConnectEvent(conn, authorizer, Date.now())),
      );
    } catch (err) {
      this.ctx.log(`${localFunctionName(name)} $connect threw ${errorName(err)}`);
      return 500;
    }
  }

  /** A connected socket: API Gateway's answer to any message, activity for the idle rule, `$disconnect` on close. */
  private open(ws: LiveConnection['ws'], conn: ConnectionRequest, authorizer: AuthorizerContext): void {
    const live: LiveConnection = {
      ws,
      request: conn,
      authorizer,
      lastActiveAt: Date.now(),
      lastDeliveryAt: 0,
      alive: true,
    };
    this.connections.set(conn.connectionId, live);
    ws.on('message', () => {
      live.lastActiveAt = Date.now();
      // No routes besides $connect/$disconnect exist, so API Gateway answers any message like this.
      ws.send(
        JSON.stringify({ message: 'Forbidden', connectionId: conn.connectionId, requestId: apiGatewayId() }),
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
      this.connections.delete(conn.connectionId);
      this.runDisconnect(conn, authorizer, code, reason.toString('utf8'));
    });
  }

  private runDisconnect(
    conn: ConnectionRequest,
    authorizer: AuthorizerContext,
    code: number,
    reason: string,
  ): void {
    const event = buildDisconnectEvent(conn, authorizer, { code, reason }, Date.now());
    const name = this.opts.webSocket.disconnect.function;
    const pending = this.ctx
      .invoke(name, event)
      .then(() => undefined)
      .catch((err: unknown) => this.ctx.log(`${localFunctionName(name)} $disconnect threw ${errorName(err)}`))
      .finally(() => this.pendingDisconnects.delete(pending));
    this.pendingDisconnects.add(pending);
  }

  /** Closes connections past their maximum duration or idle; pings the others, terminating unanswered ones. */
  private sweepConnections(): void {
    const now = Date.now();
    for (const live of this.connections.values()) {
      // Locally a delivered event counts as activity: a subscriber that receives events is not idle.
      const active = Math.max(live.lastActiveAt, live.lastDeliveryAt);
      if (
        now - live.request.connectedAt > this.opts.maxConnectionMs ||
        now - active > this.opts.idleTimeoutMs
      ) {
        live.ws.close(1001, 'Going away');
      } else if (!live.alive) {
        live.ws.terminate();
      } else {
        live.alive = false;
        live.ws.ping();
      }
    }
  }
}
