import { UnauthorizedError } from '../../../lambdas/core/errors';
import { json } from '../../../lambdas/http/responses';
import { createRouter, type Route } from '../../../lambdas/http/router';
import { managementRequest, responseBody } from '../../support/management-api';
import { recordingLogger } from '../../support/recording-logger';

/**
 * The generic /v1 router on a small route table of its own. (The management API's routes are specified
 * through the handler in test/unit/handlers/management.test.ts.)
 */
interface Caller {
  name: string;
}

function routerOf(routes: Route<Caller>[], authenticate = jest.fn(async () => ({ name: 'ada' }))) {
  const log = recordingLogger('router');
  return { handle: createRouter({ routes, authenticate, log: log.logger }), authenticate, log };
}

const echo = (label: string) => async (request: { params: object; caller: unknown }) =>
  json(200, { label, params: request.params, caller: request.caller ?? null });

describe('the router', () => {
  it('runs the first route of the table that matches path and method', async () => {
    // Prepare
    const { handle } = routerOf([
      { method: 'GET', path: '/v1/items/new', auth: false, run: echo('literal') },
      { method: 'GET', path: '/v1/items/:id', auth: false, run: echo('param') },
    ]);
    // Act
    const literal = await handle(managementRequest({ method: 'GET', path: '/v1/items/new' }));
    const param = await handle(managementRequest({ method: 'GET', path: '/v1/items/42' }));
    // Assess
    expect(responseBody(literal).label).toBe('literal');
    expect(responseBody(param)).toEqual({ label: 'param', params: { id: '42' }, caller: null });
  });

  it('authenticates only for routes that need a caller, and hands the caller over', async () => {
    // Prepare
    const { handle, authenticate } = routerOf([
      { method: 'GET', path: '/v1/open', auth: false, run: echo('open') },
      { method: 'GET', path: '/v1/closed', auth: true, run: echo('closed') },
    ]);
    // Act
    const open = await handle(managementRequest({ method: 'GET', path: '/v1/open' }));
    const callsAfterOpen = authenticate.mock.calls.length;
    const closed = await handle(managementRequest({ method: 'GET', path: '/v1/closed' }));
    // Assess
    expect(responseBody(open).caller).toBeNull();
    expect(callsAfterOpen).toBe(0);
    expect(responseBody(closed).caller).toEqual({ name: 'ada' });
  });

  it('answers the authenticator’s error and does not run the route', async () => {
    // Prepare
    const run = jest.fn(echo('closed'));
    const { handle } = routerOf(
      [{ method: 'GET', path: '/v1/closed', auth: true, run }],
      jest.fn(async () => {
        throw new UnauthorizedError('invalid token', 'invalid_token');
      }),
    );
    // Act
    const res = await handle(managementRequest({ method: 'GET', path: '/v1/closed' }));
    // Assess
    expect(res.statusCode).toBe(401);
    expect(responseBody(res)).toEqual({ error: { code: 'invalid_token', message: 'invalid token' } });
    expect(run).not.toHaveBeenCalled();
  });

  it('lists each allowed method once, in table order', async () => {
    // Prepare
    const { handle } = routerOf([
      { method: 'DELETE', path: '/v1/items/:id', auth: false, run: echo('a') },
      { method: 'GET', path: '/v1/items/mine', auth: false, run: echo('b') },
      { method: 'GET', path: '/v1/items/:id', auth: false, run: echo('c') },
    ]);
    // Act
    const res = await handle(managementRequest({ method: 'POST', path: '/v1/items/mine' }));
    // Assess
    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('DELETE, GET');
  });

  it('matches the method case-insensitively and reads the path from the request context without rawPath', async () => {
    // Prepare
    const { handle } = routerOf([{ method: 'GET', path: '/v1/items', auth: false, run: echo('items') }]);
    const event = managementRequest({ method: 'get', path: '/v1/items' });
    delete (event as { rawPath?: string }).rawPath;
    // Act
    const res = await handle(event);
    // Assess
    expect(responseBody(res).label).toBe('items');
  });

  it('logs a route’s failure by route and error name only', async () => {
    // Prepare
    const { handle, log } = routerOf([
      {
        method: 'GET',
        path: '/v1/items/:id',
        auth: false,
        run: async () => {
          throw new TypeError('cannot read secret-value of undefined');
        },
      },
    ]);
    // Act
    const res = await handle(managementRequest({ method: 'GET', path: '/v1/items/42' }));
    // Assess
    expect(res.statusCode).toBe(500);
    expect(log.lines()).toEqual([['request failed', { route: 'GET /v1/items/:id', errorName: 'TypeError' }]]);
    expect(log.text()).not.toContain('secret-value');
  });
});
