import { egressUrlOf, type SocketHandlers, subscribe } from '../../../console/src/live/subscription';

/** The console's WebSocket subscription with scripted sockets and a manual timer. */
function harness(readToken: () => Promise<string>) {
  const sockets: { url: string; on: SocketHandlers; closed: boolean }[] = [];
  const timers: (() => void)[] = [];
  const events: unknown[] = [];
  const statuses: string[] = [];
  const subscription = subscribe({
    stream: 'winston',
    readToken,
    urlOf: (token) => `ws://host/ws?token=${token}`,
    openSocket: (url, on) => {
      const socket = { url, on, closed: false };
      sockets.push(socket);
      return { close: () => (socket.closed = true) };
    },
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
    isFatal: (e) => (e as Error).message === 'fatal',
    setTimer: (fn) => {
      timers.push(fn);
      return () => undefined;
    },
  });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { sockets, timers, events, statuses, subscription, settle };
}

describe('stream subscription', () => {
  it('connects with a fresh read token and passes each JSON event on', async () => {
    // Prepare
    const h = harness(async () => 'tok-1');
    await h.settle();
    // Act
    h.sockets[0]!.on.onOpen();
    h.sockets[0]!.on.onMessage('{"strmMeta":{"keyLink":"k","nonce":1}}');
    h.sockets[0]!.on.onMessage('not json');
    h.sockets[0]!.on.onMessage('[1,2]');
    // Assess
    expect(h.sockets[0]!.url).toBe('ws://host/ws?token=tok-1');
    expect(h.events).toEqual([{ strmMeta: { keyLink: 'k', nonce: 1 } }]);
    expect(h.statuses).toEqual(['connecting', 'live']);
  });

  it('reconnects after a close with a new token', async () => {
    // Prepare
    let n = 0;
    const h = harness(async () => `tok-${++n}`);
    await h.settle();
    // Act
    h.sockets[0]!.on.onClose();
    h.timers.shift()!();
    await h.settle();
    // Assess
    expect(h.sockets.map((s) => s.url)).toEqual(['ws://host/ws?token=tok-1', 'ws://host/ws?token=tok-2']);
    expect(h.statuses).toContain('reconnecting');
  });

  it('stops for good when the token cannot be had for a fatal reason (session ended)', async () => {
    // Prepare
    const h = harness(async () => {
      throw new Error('fatal');
    });
    // Act
    await h.settle();
    // Assess
    expect(h.statuses).toEqual(['connecting', 'stopped']);
    expect(h.timers).toEqual([]);
  });

  it('stop closes the socket and does not reconnect', async () => {
    // Prepare
    const h = harness(async () => 'tok');
    await h.settle();
    // Act
    h.subscription.stop();
    h.sockets[0]!.on.onClose();
    // Assess
    expect(h.sockets[0]!.closed).toBe(true);
    expect(h.timers).toEqual([]);
  });

  it('uses wss on https pages and keeps the token in the query (browsers cannot set headers)', () => {
    // Act + Assess
    expect(egressUrlOf({ protocol: 'https:', host: 'd1.cloudfront.net' }, 'a b')).toBe(
      'wss://d1.cloudfront.net/ws?token=a%20b',
    );
    expect(egressUrlOf({ protocol: 'http:', host: '127.0.0.1:8080' }, 't')).toBe(
      'ws://127.0.0.1:8080/ws?token=t',
    );
  });
});
