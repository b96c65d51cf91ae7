import { type ClientHttp2Session, connect, constants, type SecureClientSessionOptions } from 'node:http2';
import { type Socket, connect as tcpConnect } from 'node:net';
import { HTTP2_PREFACE } from '../../../local/front-door';
import { type Gateway, type GatewayHandlers, startGateway } from '../../../local/gateway';
import { allowPolicy } from '../../support/authorizer-policy';
import { h2Exchange } from '../../support/h2-request';

/**
 * The gateway's HTTP/2 side against clients that misbehave: protocol garbage, more streams than allowed,
 * responses never read, bodies that never end. Each gets a stream reset or a GOAWAY, and the gateway keeps
 * serving everyone else.
 */

let release: () => void = () => undefined;
let slow: Promise<void> = Promise.resolve();

const handlers: GatewayHandlers = {
  ingest: async () => ({ statusCode: 204 }),
  token: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{}' }),
  sts: async () => ({ statusCode: 200, body: '{}' }),
  management: async () => {
    await slow;
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
  },
  // A large answer, to fill the flow-control window of a client that does not read.
  health: async () => ({ statusCode: 200, body: 'x'.repeat(512 * 1024) }),
  'ws-authorizer': async (event) => allowPolicy(event),
  'ws-connect': async () => ({ statusCode: 200 }),
};

const GOAWAY = 0x7;

/** The types of the HTTP/2 frames in bytes received from the server (9-byte header: length, type, ...). */
function frameTypes(bytes: Buffer): number[] {
  const types: number[] = [];
  for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) types.push(bytes[at + 3]!);
  return types;
}

/** Whether `emitter` closes within `ms` (the timer is cleared either way, so nothing is left running). */
function closedWithin(emitter: { once(event: 'close', listener: () => void): unknown }, ms: number) {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    emitter.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function servesEvents(gateway: Gateway): Promise<void> {
  const response = await h2Exchange(gateway.url, { ':method': 'POST', ':path': '/event' }, '{}');
  expect(response.status).toBe(204);
}

describe('the local gateway over HTTP/2 (h2c)', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      handlers,
      http2: { maxConcurrentStreams: 4, sessionIdleMs: 300, requestTimeoutMs: 300, streamIdleMs: 300 },
    });
  });

  /** The sessions and sockets a test opened: destroyed after it, whether it passed or not. */
  const opened: (ClientHttp2Session | Socket)[] = [];
  const session = (options?: SecureClientSessionOptions) => {
    const client = connect(gateway.url, options);
    client.on('error', () => undefined);
    opened.push(client);
    return client;
  };

  afterEach(() => {
    for (const client of opened.splice(0)) client.destroy();
  });

  afterAll(async () => {
    release();
    await gateway.close();
  });

  it('answers 204 without a body or content-length, tolerating :scheme https on cleartext', async () => {
    // Act
    const response = await h2Exchange(gateway.url, { ':method': 'POST', ':path': '/event' }, '{}');
    // Assess
    expect(response.status).toBe(204);
    expect(response.body).toBe('');
    expect(response.headers['content-length']).toBeUndefined();
  });

  it('serves the management API and the token endpoint too', async () => {
    // Act
    const me = await h2Exchange(gateway.url, { ':method': 'GET', ':path': '/v1/me' });
    const token = await h2Exchange(gateway.url, { ':method': 'POST', ':path': '/auth/token' }, 'a=b');
    // Assess
    expect(me).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(token.status).toBe(200);
  });

  it('ends a session that sends garbage after the preface, and keeps serving', async () => {
    // Prepare
    const socket = tcpConnect(gateway.port, '127.0.0.1');
    opened.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    // Act: the preface, then bytes that are no valid frame (a SETTINGS frame of the wrong length).
    socket.write(Buffer.concat([HTTP2_PREFACE, Buffer.from([0, 0, 5, 4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5])]));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
    });
    const closed = await closedWithin(socket, 2000);
    // Assess
    expect(closed).toBe(true);
    expect(frameTypes(received)).toContain(GOAWAY);
    await servesEvents(gateway);
  });

  it('refuses streams over the concurrency limit with a stream reset, and keeps the session', async () => {
    // Prepare
    slow = new Promise((resolve) => {
      release = resolve;
    });
    const client = session();
    await new Promise((resolve) => client.once('remoteSettings', resolve));
    // Act: ignore the advertised limit (4), as a hostile client would, and open 8 streams at once.
    const outcomes = Array.from({ length: 8 }, () => {
      const request = client.request({ ':method': 'GET', ':path': '/v1/me', ':scheme': 'https' });
      return new Promise<string>((resolve) => {
        request.on('response', (headers) => resolve(String(headers[':status'])));
        request.on('error', () => resolve(`reset ${request.rstCode}`));
        request.on('close', () => resolve(`reset ${request.rstCode}`));
        request.end();
      });
    });
    await new Promise((r) => setTimeout(r, 200));
    release();
    const results = await Promise.all(outcomes);
    // Assess: the ones in the limit succeed, the others were refused (or queued by the client and then served).
    expect(results.filter((r) => r === '200').length).toBeGreaterThanOrEqual(4);
    expect(results.every((r) => r === '200' || r === `reset ${constants.NGHTTP2_REFUSED_STREAM}`)).toBe(true);
    const again = await new Promise<string>((resolve) => {
      const request = client.request({ ':method': 'GET', ':path': '/v1/me', ':scheme': 'https' });
      request.on('response', (headers) => resolve(String(headers[':status'])));
      request.end();
    });
    expect(again).toBe('200');
  });

  it('closes the idle session of a client that never reads its responses, and keeps serving others', async () => {
    // Prepare: a tiny window, no reading.
    const client = session({ settings: { initialWindowSize: 1024 } });
    for (let i = 0; i < 3; i++) {
      const request = client.request({ ':method': 'GET', ':path': '/ready', ':scheme': 'https' });
      request.on('error', () => undefined);
      request.pause();
      request.end();
    }
    // Act
    await servesEvents(gateway);
    const closed = await closedWithin(client, 3000);
    // Assess
    expect(closed).toBe(true);
    await servesEvents(gateway);
  });

  it('resets a request whose body never ends', async () => {
    // Prepare
    const client = session();
    const request = client.request({ ':method': 'POST', ':path': '/event', ':scheme': 'https' });
    // Act: half a body, never ended.
    request.write('{"strmMeta":');
    const code = await new Promise<number>((resolve) => {
      request.on('error', () => undefined);
      request.on('close', () => resolve(request.rstCode ?? -1));
    });
    // Assess
    expect(code).toBe(constants.NGHTTP2_CANCEL);
    await servesEvents(gateway);
  });
});
