import { handler } from '../../../lambdas/handlers/health';

describe('GET /ready', () => {
  it('answers 200 {"status":"ok"} as JSON', async () => {
    const res = await handler();
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(res.body ?? '')).toEqual({ status: 'ok' });
  });
});
