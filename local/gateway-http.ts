import { errorName } from '../lambdas/core/errors';
import type { FunctionName } from '../lib/topology';
import type { HttpRouteSpec } from '../lib/topology-types';
import type { ConsoleSite } from './console-site';
import type { GatewayContext } from './gateway-context';
import { type GatewayRequest, type GatewayResponse, mayCarryHeader } from './gateway-request';
import { shedResponse } from './gateway-shedding';
import {
  apiGatewayId,
  buildHttpApiEvent,
  decodeApiPath,
  gatewayError,
  type HttpResponse,
  toHttpResponse,
} from './http-api-event';
import { HttpRouteTable, type RouteMatch } from './http-routes';
import { InvocationTimeoutError } from './lambda-invoke';
import { localFunctionName } from './local-names';
import { LoggedPaths } from './logged-path';
import { BodyTooLargeError, readRequestBody } from './request-body';

/**
 * The local gateway's HTTP API: the console's files first (like the CloudFront behaviour on AWS), then
 * the topology's routes, each request one payload v2 event to its route's function, answered and logged
 * as API Gateway would (route template, status, latency: never bodies, tokens, query strings or path
 * values).
 */

export interface HttpApiOptions {
  routes: readonly HttpRouteSpec<FunctionName>[];
  console: ConsoleSite | undefined;
  /** Payload limit (413 above it). */
  maxBodyBytes: number;
  shedLoad: ((fn: FunctionName) => number | undefined) | undefined;
}

/** Statuses that carry no body (and so no Content-Length, RFC 9110 §8.6). */
const NO_BODY_STATUSES = new Set([204, 304]);

export function writeResponse(
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

/** One request in flight: where it goes and how it is answered and logged. */
interface Exchange {
  req: GatewayRequest;
  res: GatewayResponse;
  method: string;
  rawPath: string;
  requestId: string;
  epochMs: number;
  /** Writes the response and its log line. */
  finish(response: HttpResponse): void;
  /** The path as the log line shows it (until a route is known: none, never the raw path). */
  loggedPath: string;
}

export class HttpApi {
  private readonly routes: HttpRouteTable<FunctionName>;
  private readonly loggedPaths = new LoggedPaths();

  constructor(
    private readonly ctx: GatewayContext,
    private readonly opts: HttpApiOptions,
  ) {
    this.routes = new HttpRouteTable(opts.routes);
  }

  /** The request listener: a failure of the gateway itself is a 500 (or a reset once headers went out). */
  readonly onRequest = (req: GatewayRequest, res: GatewayResponse): void => {
    this.serve(req, res).catch((err: unknown) => {
      this.ctx.log(`gateway error ${errorName(err)}`);
      if (!res.headersSent)
        writeResponse(req, res, gatewayError(500, 'Internal Server Error'), apiGatewayId());
      else res.destroy();
    });
  };

  private async serve(req: GatewayRequest, res: GatewayResponse): Promise<void> {
    const exchange = this.exchangeOf(req, res);
    const routed = this.route(exchange);
    if ('response' in routed) {
      req.resume();
      exchange.finish(routed.response);
      return;
    }
    const body = await this.bodyOf(exchange);
    if (body) exchange.finish(await this.invokeRoute(exchange, routed.match, body));
  }

  private exchangeOf(req: GatewayRequest, res: GatewayResponse): Exchange {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const rawPath = (req.url ?? '/').split('?')[0]!;
    const requestId = apiGatewayId();
    const exchange: Exchange = {
      req,
      res,
      method,
      rawPath,
      requestId,
      epochMs: Date.now(),
      loggedPath: this.loggedPaths.ofApiRequest(method, rawPath, undefined),
      finish: (response) => {
        writeResponse(req, res, response, requestId);
        const ms = Math.round(performance.now() - started);
        this.ctx.log(`${method} ${exchange.loggedPath} ${response.statusCode} ${ms}ms`);
      },
    };
    return exchange;
  }

  /**
   * The route a request takes, or the answer of one that reaches no function: a console file, a path
   * that is not valid percent-encoding (400), no route (404), a stack not ready (503), a shed load (429).
   */
  private route(exchange: Exchange): { response: HttpResponse } | { match: RouteMatch<FunctionName> } {
    const { method, rawPath } = exchange;
    const consoleResponse = this.opts.console?.respond(method, rawPath);
    if (consoleResponse) {
      exchange.loggedPath = this.loggedPaths.ofConsoleRequest(rawPath, consoleResponse.statusCode);
      return { response: consoleResponse };
    }
    if (decodeApiPath(rawPath) === undefined) return { response: gatewayError(400, 'Bad Request') };
    const match = this.routes.match(method, rawPath);
    if (!match) return { response: gatewayError(404, 'Not Found') };
    exchange.loggedPath = this.loggedPaths.ofApiRequest(method, rawPath, match);
    if (!this.ctx.isReady()) return { response: gatewayError(503, 'Service Unavailable') };
    const shed = shedResponse(this.opts.shedLoad, match.function);
    return shed ? { response: shed } : { match };
  }

  /** The request's body; undefined once a body over the limit was answered 413. */
  private async bodyOf(exchange: Exchange): Promise<Buffer | undefined> {
    try {
      return await readRequestBody(exchange.req, this.opts.maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      exchange.finish(gatewayError(413, 'Request Entity Too Large'));
      exchange.res.on('finish', () => exchange.req.destroy());
      return undefined;
    }
  }

  /** The route's function's answer: a timeout is a 503, a throw a 500 (logged by error name only). */
  private async invokeRoute(
    exchange: Exchange,
    match: RouteMatch<FunctionName>,
    body: Buffer,
  ): Promise<HttpResponse> {
    const { req, requestId, epochMs } = exchange;
    const { apiId } = this.ctx;
    const localPort = this.ctx.localPort();
    const event = buildHttpApiEvent({ req, route: match.route, body, apiId, localPort, requestId, epochMs });
    try {
      return toHttpResponse(await this.ctx.invoke(match.function, event));
    } catch (err) {
      const timedOut = err instanceof InvocationTimeoutError;
      // The error's message may quote input, so only its name is logged.
      this.ctx.log(
        `${localFunctionName(match.function)} ${timedOut ? 'timed out' : `threw ${errorName(err)}`}`,
      );
      return timedOut ? gatewayError(503, 'Service Unavailable') : gatewayError(500, 'Internal Server Error');
    }
  }
}
