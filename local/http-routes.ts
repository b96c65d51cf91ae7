import type { HttpRouteSpec } from '../lib/topology-types';
import type { HttpApiRoute } from './http-api-event';

/**
 * API Gateway HTTP API route selection over the topology's routes: `{name}` matches one path segment,
 * a final `{name+}` one or more; `ANY` matches every method. The most specific route wins — no
 * variables before `{name}` variables before a greedy one, more literal segments first, an explicit
 * method before `ANY`. No match is API Gateway's 404.
 */

export interface RouteMatch<Fn extends string> {
  function: Fn;
  route: HttpApiRoute;
}

interface CompiledRoute<Fn extends string> {
  spec: HttpRouteSpec<Fn>;
  pattern: RegExp;
  params: string[];
  /** Sort key: lower is more specific. */
  rank: [variables: number, literals: number, any: number];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile<Fn extends string>(spec: HttpRouteSpec<Fn>): CompiledRoute<Fn> {
  const segments = spec.path.split('/').slice(1);
  const params: string[] = [];
  let greedy = false;
  let literals = 0;
  const parts = segments.map((segment, i) => {
    const variable = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(segment);
    if (!variable) {
      literals++;
      return escapeRegExp(segment);
    }
    params.push(variable[1]!);
    if (variable[2] === '+') {
      if (i !== segments.length - 1) throw new Error(`route ${spec.path}: a greedy variable must come last`);
      greedy = true;
      return '(.+)';
    }
    return '([^/]+)';
  });
  const variables = greedy ? 2 : params.length > 0 ? 1 : 0;
  return {
    spec,
    pattern: new RegExp(`^/${parts.join('/')}$`),
    params,
    rank: [variables, -literals, spec.method === 'ANY' ? 1 : 0],
  };
}

function compareRank(a: CompiledRoute<string>, b: CompiledRoute<string>): number {
  for (let i = 0; i < a.rank.length; i++) if (a.rank[i] !== b.rank[i]) return a.rank[i]! - b.rank[i]!;
  return 0;
}

export class HttpRouteTable<Fn extends string> {
  private readonly routes: CompiledRoute<Fn>[];

  constructor(routes: readonly HttpRouteSpec<Fn>[]) {
    this.routes = routes.map(compile).sort(compareRank);
  }

  /** The route for a request; `path` is the raw (still percent-encoded) path, as API Gateway matches it. */
  match(method: string, path: string): RouteMatch<Fn> | undefined {
    for (const route of this.routes) {
      if (route.spec.method !== 'ANY' && route.spec.method !== method) continue;
      const found = route.pattern.exec(path);
      if (!found) continue;
      const routeKey = `${route.spec.method} ${route.spec.path}`;
      const pathParameters = Object.fromEntries(route.params.map((name, i) => [name, found[i + 1]!]));
      return {
        function: route.spec.function,
        route: route.params.length > 0 ? { routeKey, pathParameters } : { routeKey },
      };
    }
    return undefined;
  }
}
