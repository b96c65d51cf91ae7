import { UnreachableError } from '../../../cli/api-client';
import { retryingSend } from '../../../cli/retrying-send';

describe('sending simulated events through an outage', () => {
  it('retries a send that cannot reach the API until it goes through', async () => {
    // Prepare
    let attempts = 0;
    const notices: string[] = [];
    const send = retryingSend({
      send: async () => {
        attempts += 1;
        if (attempts <= 2) throw new UnreachableError('http://127.0.0.1:8080', 'ECONNREFUSED');
        return { status: 204, body: '' };
      },
      signal: new AbortController().signal,
      onNotice: (text) => notices.push(text),
      initialBackoffMs: 1,
    });
    // Act
    const result = await send({});
    // Assess
    expect(result.status).toBe(204);
    expect(attempts).toBe(3);
    expect(notices).toEqual([
      'Cannot send events (ECONNREFUSED); retrying until the stack answers (Ctrl-C to stop)',
      'The event gateway answers again; sending on',
    ]);
  });

  it('returns a refusal (400) at once, without retrying', async () => {
    // Prepare
    let attempts = 0;
    const send = retryingSend({
      send: async () => {
        attempts += 1;
        return { status: 400, body: 'bad' };
      },
      signal: new AbortController().signal,
      onNotice: () => undefined,
    });
    // Act
    const result = await send({});
    // Assess
    expect(result.status).toBe(400);
    expect(attempts).toBe(1);
  });

  it('gives up when interrupted during an outage', async () => {
    // Prepare
    const interrupt = new AbortController();
    const send = retryingSend({
      send: async () => {
        interrupt.abort();
        throw new UnreachableError('http://127.0.0.1:8080', 'ECONNREFUSED');
      },
      signal: interrupt.signal,
      onNotice: () => undefined,
    });
    // Act + Assess
    await expect(send({})).rejects.toBeInstanceOf(UnreachableError);
  });
});
