import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/** One request the scripted server received. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path with the query string. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ScriptedResponse {
  status: number;
  body?: unknown;
  /** Sent as text/plain instead of JSON. */
  text?: string;
  /** Extra response headers (e.g. retry-after). */
  headers?: Record<string, string>;
}

/** A route's answer; a promise holds the response until it settles. */
export type Route = (request: RecordedRequest) => ScriptedResponse | Promise<ScriptedResponse>;

/**
 * A real HTTP server on 127.0.0.1:0 whose answers a test scripts per `METHOD /path` (query ignored).
 * Unscripted routes answer 404 in the management-API error format. Optional WebSocket endpoint at /ws.
 */
export class ScriptedApi {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Route>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private wss: WebSocketServer | undefined;

  /** Scripts a route: a fixed response or a function of the request. */
  on(methodAndPath: string, response: ScriptedResponse | Route): this {
    this.routes.set(methodAndPath, typeof response === 'function' ? response : () => response);
    return this;
  }

  /** The path and query of every WebSocket upgrade, in order. */
  readonly upgradeUrls: string[] = [];

  /** Accepts WebSocket upgrades at /ws when `accept(authorization)` says so; else answers `status`. */
  acceptWebSockets(
    decide: (authorization: string | undefined) => { accept: true } | { accept: false; status: number },
    onConnection: (socket: import('ws').WebSocket) => void,
  ): void {
    const wss = new WebSocketServer({ noServer: true });
    this.wss = wss;
    this.server.on('upgrade', (req, socket, head) => {
      this.upgradeUrls.push(req.url ?? '/');
      const decision = decide(req.headers.authorization);
      if (!decision.accept) {
        socket.end(`HTTP/1.1 ${decision.status} Denied\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.wss?.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests to one `METHOD /path`. */
  requestsTo(methodAndPath: string): RecordedRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path}` === methodAndPath);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path,
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.requests.push(recorded);
      const route = this.routes.get(`${recorded.method} ${path}`);
      const answer = route
        ? route(recorded)
        : {
            status: 404,
            body: { error: { code: 'not_found', message: `no route ${recorded.method} ${path}` } },
          };
      void Promise.resolve(answer).then((response) => ScriptedApi.send(res, response));
    });
  }

  private static send(res: http.ServerResponse, response: ScriptedResponse): void {
    const headers = response.headers ?? {};
    if (response.text !== undefined) {
      res.writeHead(response.status, { ...headers, 'content-type': 'text/plain' }).end(response.text);
    } else if (response.body === undefined) {
      res.writeHead(response.status, headers).end();
    } else {
      res
        .writeHead(response.status, { ...headers, 'content-type': 'application/json' })
        .end(JSON.stringify(response.body));
    }
  }
}

/** A JWT-shaped token with these claims (unsigned: the CLI only reads the claims). */
export function fakeJwt(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.c2lnbmF0dXJl`;
}

/** The URL of a port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}
