import { TOPOLOGY } from '../../../lib/topology';
import { HttpRouteTable } from '../../../local/http-routes';
import { LoggedPaths } from '../../../local/logged-path';

/** The local request log's paths: route templates, never a value from the path. */
describe('logged paths', () => {
  const routes = new HttpRouteTable(TOPOLOGY.httpApi.routes);
  const paths = new LoggedPaths();
  const logged = (method: string, path: string) =>
    paths.ofApiRequest(method, path, routes.match(method, path));

  it("logs a management request by its management route's pattern", () => {
    // Act / Assess
    expect(logged('DELETE', '/v1/users/alice@example.com')).toBe('/v1/users/:email');
    expect(logged('GET', '/v1/key-links/4f1c2a9e')).toBe('/v1/key-links/:id');
  });

  it('logs a path the management API has no route for by the topology route it took', () => {
    // Act / Assess
    expect(logged('GET', '/v1/data-subjects/alice@example.com')).toBe('/v1/{proxy+}');
  });

  it('logs a route of the path taken with another method by its pattern (the 405 case)', () => {
    // Act / Assess
    expect(logged('PUT', '/v1/users/alice@example.com')).toBe('/v1/users/:email');
  });

  it('logs a route without variables as it is', () => {
    // Act / Assess
    expect(logged('POST', '/events')).toBe('/events');
  });

  it('logs a path that takes no route without the path', () => {
    // Act / Assess
    expect(logged('GET', '/alice@example.com')).toBe('(no route)');
  });

  it("logs the console's files by their path and anything else under it by the console's prefix", () => {
    // Act / Assess
    expect(paths.ofConsoleRequest('/console/app.js', 200)).toBe('/console/app.js');
    expect(paths.ofConsoleRequest('/console/alice@example.com', 404)).toBe('/console/{path}');
  });
});
