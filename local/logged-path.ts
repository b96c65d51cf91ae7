import { CONSOLE_PATH } from '../console/security-headers';
import { managementRoutePatterns } from '../lambdas/http/management-routes';
import { routeTemplate } from '../lambdas/http/router';
import type { FunctionName } from '../lib/topology';
import type { RouteMatch } from './http-routes';

/**
 * How a request's path appears in the local request log: the template of the route it took, never the
 * values in it (an email in `DELETE /v1/users/{email}`, a key-link id, a stream name). A function behind
 * one greedy route that routes further itself (management behind `/v1/{proxy+}`) is logged with the
 * pattern of its own route; a path no route takes is logged as such. The templates come from the routes
 * themselves (the topology's, the management router's): there is no second list to keep in step.
 */
export class LoggedPaths {
  private readonly subRoutes: Partial<Record<FunctionName, { method: string; path: string }[]>>;

  constructor() {
    this.subRoutes = { management: managementRoutePatterns() };
  }

  /** An API request: its route's template (`match` is the topology route it took, if any). */
  ofApiRequest(method: string, rawPath: string, match: RouteMatch<FunctionName> | undefined): string {
    if (!match) return '(no route)';
    const own = this.subRoutes[match.function];
    const template = own && routeTemplate(own, method, rawPath);
    return template ?? match.route.routeKey.slice(match.route.routeKey.indexOf(' ') + 1);
  }

  /** A console request: the file's path when it is one of the console's files, else the console's prefix. */
  ofConsoleRequest(rawPath: string, statusCode: number): string {
    return statusCode === 200 || statusCode === 301 ? rawPath : `${CONSOLE_PATH}{path}`;
  }
}
