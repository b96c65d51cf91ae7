import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AppError, errorName, NotFoundError } from '../core/errors';
import { httpStatusOf } from '../core/http-status';
import { json, jsonError } from './responses';

/**
 * A small router for a JSON API behind one API Gateway proxy route (`ANY /v1/{proxy+}`): a table of
 * method + path pattern (`:name` captures one segment) + whether the route needs an authenticated caller.
 * Unknown paths answer 404 `route_not_found`, a known path with another method 405 with `allow`, and every
 * error becomes `{"error":{"code","message"}}` with the status of the one mapping (core/http-status.ts).
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** Longest path parameter accepted; a longer segment matches no route (404). */
export const MAX_PATH_PARAM_LENGTH = 1000;

/** What a route's `run` gets. `caller` is what the authenticator returned (undefined on public routes). */
export interface RouteRequest<Caller> {
  event: APIGatewayProxyEventV2;
  /**
   * The `:name` segments exactly as API Gateway delivered them. HTTP APIs hand over `rawPath` already
   * URL-decoded, so they are never decoded again (that would turn an id such as `%41` into `A`).
   */
  params: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string | undefined>>;
  caller: Caller;
}

interface RouteBase {
  method: HttpMethod;
  /** The full path, e.g. `/v1/streams/:name`. */
  path: string;
}

/** A route anyone may call (sign-up, login). */
export interface PublicRoute extends RouteBase {
  auth: false;
  run(request: RouteRequest<undefined>): Promise<HttpResult>;
}

/** A route that runs only for a caller the authenticator accepted; otherwise its error answers. */
export interface AuthenticatedRoute<Caller> extends RouteBase {
  auth: true;
  run(request: RouteRequest<Caller>): Promise<HttpResult>;
}

export type Route<Caller> = PublicRoute | AuthenticatedRoute<Caller>;

/** Where the router reports outcomes: route, status and error code or name only, never a message. */
export interface RequestLog {
  info(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface RouterOptions<Caller> {
  routes: readonly Route<Caller>[];
  /** The caller of an `auth: true` route; throws (e.g. UnauthorizedError) when there is none. */
  authenticate(event: APIGatewayProxyEventV2): Promise<Caller>;
  log: RequestLog;
}

interface CompiledRoute<Caller> {
  route: Route<Caller>;
  name: string;
  segments: string[];
}

/**
 * The request path below the API: without a named stage's prefix (`/prod/v1/me` → `/v1/me`) and without
 * one trailing slash. A path that already starts with one of the API's own prefixes (`/v1/`) is left as
 * it is, so a stage named `v1` cannot cut the API's own prefix off.
 */
export function requestPath(event: APIGatewayProxyEventV2, apiPrefixes: readonly string[]): string {
  let path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
  const stage = event.requestContext?.stage;
  const ownPrefix = apiPrefixes.some((prefix) => path.startsWith(`/${prefix}/`));
  if (stage && stage !== '$default' && !ownPrefix && path.startsWith(`/${stage}/`)) {
    path = path.slice(stage.length + 1);
  }
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function matchSegments(
  pattern: readonly string[],
  segments: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const value = segments[i]!;
    if (part.startsWith(':')) {
      if (value.length === 0 || value.length > MAX_PATH_PARAM_LENGTH) return undefined;
      params[part.slice(1)] = value;
    } else if (part !== value) {
      return undefined;
    }
  }
  return params;
}

/**
 * The pattern (e.g. `/v1/users/:email`) of the route a method and path below the API would take, or of a
 * route of that path for another method (the 405 case); undefined when none has the path. For logs, which
 * must name a route without its parameter values.
 */
export function routeTemplate(
  routes: readonly { method: string; path: string }[],
  method: string,
  path: string,
): string | undefined {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const segments = trimmed.split('/').slice(1);
  const matching = routes.filter((route) => matchSegments(route.path.split('/').slice(1), segments));
  return (matching.find((route) => route.method === method) ?? matching[0])?.path;
}

type RouteLookup<Caller> =
  | { found: CompiledRoute<Caller>; params: Record<string, string> }
  | { found: undefined; allowed: HttpMethod[] };

/** The route for a method and path; a path no route matches is a NotFoundError `route_not_found`. */
function findRoute<Caller>(
  table: readonly CompiledRoute<Caller>[],
  method: string,
  segments: readonly string[],
): RouteLookup<Caller> {
  const candidates = table.flatMap((compiled) => {
    const params = matchSegments(compiled.segments, segments);
    return params ? [{ found: compiled, params }] : [];
  });
  if (candidates.length === 0) throw new NotFoundError('no such route', 'route_not_found');
  const match = candidates.find((candidate) => candidate.found.route.method === method);
  return match ?? { found: undefined, allowed: candidates.map((candidate) => candidate.found.route.method) };
}

function methodNotAllowed(allowed: readonly HttpMethod[]): HttpResult {
  const allow = [...new Set(allowed)].join(', ');
  return json(405, { error: { code: 'method_not_allowed', message: `use ${allow}` } }, { allow });
}

function logFailure(log: RequestLog, route: string, error: unknown): void {
  if (error instanceof AppError) {
    log.info('request rejected', { route, status: httpStatusOf(error), code: error.code });
  } else {
    log.error('request failed', { route, errorName: errorName(error) });
  }
}

/** The request handler for a route table. */
export function createRouter<Caller>(options: RouterOptions<Caller>) {
  const table: CompiledRoute<Caller>[] = options.routes.map((route) => ({
    route,
    name: `${route.method} ${route.path}`,
    segments: route.path.split('/').slice(1),
  }));
  const apiPrefixes = [...new Set(table.map((compiled) => compiled.segments[0] ?? ''))];

  async function run(event: APIGatewayProxyEventV2, route: Route<Caller>, params: Record<string, string>) {
    const query = event.queryStringParameters ?? {};
    if (!route.auth) return route.run({ event, params, query, caller: undefined });
    const caller = await options.authenticate(event);
    return route.run({ event, params, query, caller });
  }

  return async function handle(event: APIGatewayProxyEventV2): Promise<HttpResult> {
    const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
    const segments = requestPath(event, apiPrefixes).split('/').slice(1);
    let routeName = 'unknown';
    try {
      const lookup = findRoute(table, method, segments);
      if (lookup.found === undefined) return methodNotAllowed(lookup.allowed);
      routeName = lookup.found.name;
      return await run(event, lookup.found.route, lookup.params);
    } catch (error) {
      logFailure(options.log, routeName, error);
      return jsonError(error);
    }
  };
}
