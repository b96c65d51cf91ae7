import { TOPOLOGY } from '../../../lib/topology';
import { HttpRouteTable } from '../../../local/http-routes';

/** API Gateway HTTP API route selection, as the local gateway applies it to the topology's routes. */

describe('the topology routes', () => {
  const routes = new HttpRouteTable(TOPOLOGY.httpApi.routes);

  it.each([
    ['POST', '/event', 'ingest', 'POST /event'],
    ['POST', '/auth/token', 'token', 'POST /auth/token'],
    ['GET', '/ready', 'health', 'GET /ready'],
    ['DELETE', '/v1/streams/demo', 'management', 'ANY /v1/{proxy+}'],
  ])('%s %s goes to %s by route %s', (method, path, fn, routeKey) => {
    // Act
    const match = routes.match(method, path);
    // Assess
    expect(match?.function).toBe(fn);
    expect(match?.route.routeKey).toBe(routeKey);
  });

  it('hands the greedy variable the rest of the path, still percent-encoded', () => {
    // Act
    const match = routes.match('GET', '/v1/streams/a%20b/usage');
    // Assess
    expect(match?.route.pathParameters).toEqual({ proxy: 'streams/a%20b/usage' });
  });

  it.each([
    ['GET', '/event'],
    ['POST', '/v1'],
    ['POST', '/v1/'],
    ['GET', '/nope'],
    ['GET', '/ready/'],
  ])('matches no route for %s %s (API Gateway answers 404)', (method, path) => {
    expect(routes.match(method, path)).toBeUndefined();
  });

  it('gives routes without variables no path parameters', () => {
    expect(routes.match('POST', '/event')?.route).toEqual({ routeKey: 'POST /event' });
  });
});

describe('route precedence', () => {
  const routes = new HttpRouteTable([
    { method: 'ANY', path: '/items/{proxy+}', function: 'greedy' },
    { method: 'GET', path: '/items/{id}', function: 'one' },
    { method: 'ANY', path: '/items/{id}', function: 'any-one' },
    { method: 'GET', path: '/items/special', function: 'literal' },
    { method: 'GET', path: '/items/{id}/parts', function: 'parts' },
  ]);

  it('prefers a route without variables', () => {
    expect(routes.match('GET', '/items/special')?.function).toBe('literal');
  });

  it('prefers a one-segment variable to a greedy one, and an explicit method to ANY', () => {
    expect(routes.match('GET', '/items/42')?.function).toBe('one');
    expect(routes.match('PUT', '/items/42')?.function).toBe('any-one');
  });

  it('prefers more literal segments among routes with variables', () => {
    expect(routes.match('GET', '/items/42/parts')).toEqual({
      function: 'parts',
      route: { routeKey: 'GET /items/{id}/parts', pathParameters: { id: '42' } },
    });
  });

  it('falls back to the greedy route for deeper paths', () => {
    expect(routes.match('POST', '/items/42/parts/7')?.route).toEqual({
      routeKey: 'ANY /items/{proxy+}',
      pathParameters: { proxy: '42/parts/7' },
    });
  });

  it('refuses a greedy variable that is not the last segment', () => {
    expect(() => new HttpRouteTable([{ method: 'GET', path: '/{all+}/x', function: 'f' }])).toThrow(
      /greedy variable must come last/,
    );
  });
});
