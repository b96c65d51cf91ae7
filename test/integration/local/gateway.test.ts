import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import WebSocket from 'ws';
import { isLoopback } from '../../../local/connections-server';
import { type Gateway, type GatewayHandlers, startGateway } from '../../../local/gateway';
import type { LambdaHandler } from '../../../local/lambda-invoke';
import { newLocalCredentials } from '../../../local/local-account';
import { allowPolicy } from '../../support/authorizer-policy';
import { signedFetch } from '../../support/signed-fetch';

/** What the gateway's @connections endpoint accepts (a stack hands its own to its functions). */
const credentials = newLocalCredentials();

interface ConnectEvent {
  requestContext: { connectionId: string; eventType: string; authorizer?: Record<string, unknown> };
}

function denyPolicy(event: unknown) {
  const allow = allowPolicy(event);
  return {
    ...allow,
    policyDocument: {
      ...allow.policyDocument,
      Statement: [{ ...allow.policyDocument.Statement[0]!, Effect: 'Deny' }],
    },
  };
}

/** Resolves when the socket opens, rejects with the HTTP status of a refused upgrade. */
function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('local API gateway', () => {
  let gateway: Gateway;
  let ready = true;
  const connectEvents: ConnectEvent[] = [];
  const lines: string[] = [];
  // Tests swap these to steer the handlers.
  let authorizer: LambdaHandler = async (event) => allowPolicy(event);
  let connectResult: unknown = { statusCode: 200 };
  let management: LambdaHandler = async () => ({ ok: true });

  beforeAll(async () => {
    const handlers: GatewayHandlers = {
      ingest: async () => {
        throw new Error('boom with a secret value');
      },
      token: async () => ({
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      }),
      sts: async () => ({ statusCode: 200, body: '{}' }),
      management: (event, context) => management(event, context),
      health: async () => ({ statusCode: 200, body: '{"status":"ok"}' }),
      'ws-authorizer': (event, context) => authorizer(event, context),
      'ws-connect': async (event) => {
        connectEvents.push(event as ConnectEvent);
        return connectResult;
      },
    };
    gateway = await startGateway({
      port: 0,
      handlers,
      isReady: () => ready,
      maxBodyBytes: 1024,
      log: (line) => lines.push(line),
      connectionsCredentials: credentials,
    });
  });

  afterAll(async () => {
    await gateway.close();
  });

  beforeEach(() => {
    authorizer = async (event) => allowPolicy(event);
    connectResult = { statusCode: 200 };
    management = async () => ({ ok: true });
    ready = true;
  });

  describe('HTTP API', () => {
    it('answers a throwing handler with 500 Internal Server Error and keeps serving', async () => {
      const failed = await fetch(`${gateway.url}/event`, { method: 'POST', body: 'x' });
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({ message: 'Internal Server Error' });
      const next = await fetch(`${gateway.url}/ready`);
      expect(next.status).toBe(200);
      expect(await next.json()).toEqual({ status: 'ok' });
    });

    it('never logs bodies, query strings or error messages', async () => {
      await fetch(`${gateway.url}/event?token=sekrit`, { method: 'POST', body: 'user@example.com' });
      const log = lines.join('\n');
      expect(log).toContain('POST /event 500');
      expect(log).not.toMatch(/sekrit|user@example\.com|secret value/);
    });

    it('hands the handler the path URL-decoded, as API Gateway HTTP APIs do', async () => {
      let seen: { rawPath: string; requestContext: { http: { path: string } } } | undefined;
      management = async (event) => {
        seen = event as typeof seen;
        return { ok: true };
      };
      await fetch(`${gateway.url}/v1/streams/a%20b%2541`);
      expect(seen?.rawPath).toBe('/v1/streams/a b%41');
      expect(seen?.requestContext.http.path).toBe('/v1/streams/a b%41');
    });

    it('logs a function that throws something other than an Error by its type, never its content', async () => {
      // Prepare
      lines.length = 0;
      management = async () => {
        throw 'alice@example.com';
      };
      // Act
      const response = await fetch(`${gateway.url}/v1/me`);
      // Assess
      expect(response.status).toBe(500);
      expect(lines[0]).toBe('ps-local-management threw string');
      expect(lines.join('\n')).not.toContain('alice@example.com');
    });

    it('answers a path that is not valid percent-encoding with 400, without invoking a handler', async () => {
      let invoked = false;
      management = async () => {
        invoked = true;
        return { ok: true };
      };
      const response = await fetch(`${gateway.url}/v1/streams/%E0%A4%A`);
      expect(response.status).toBe(400);
      expect(invoked).toBe(false);
    });

    it('maps a bare object result to a 200 application/json response', async () => {
      const response = await fetch(`${gateway.url}/v1/me`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(await response.json()).toEqual({ ok: true });
    });

    it('maps a structured result with cookies and a base64 body', async () => {
      management = async () => ({
        statusCode: 201,
        headers: { 'X-Custom': 'yes' },
        cookies: ['a=1', 'b=2'],
        body: Buffer.from('binary!').toString('base64'),
        isBase64Encoded: true,
      });
      const response = await fetch(`${gateway.url}/v1/things`, { method: 'PUT' });
      expect(response.status).toBe(201);
      expect(response.headers.get('x-custom')).toBe('yes');
      expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      expect(await response.text()).toBe('binary!');
    });

    it('answers unknown routes and methods with 404 Not Found', async () => {
      for (const [method, path] of [
        ['GET', '/nope'],
        ['GET', '/event'],
        ['POST', '/v1'],
      ] as const) {
        const response = await fetch(`${gateway.url}${path}`, { method });
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ message: 'Not Found' });
      }
    });

    it('rejects bodies over the payload limit with 413 without invoking the handler', async () => {
      let called = false;
      management = async () => {
        called = true;
        return { ok: true };
      };
      const response = await fetch(`${gateway.url}/v1/big`, { method: 'POST', body: 'x'.repeat(2048) });
      expect(response.status).toBe(413);
      expect(called).toBe(false);
    });

    it('answers GET /ready with 503 until the stack is ready', async () => {
      ready = false;
      expect((await fetch(`${gateway.url}/ready`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${gateway.url}/ready`)).status).toBe(200);
    });

    it('answers every route with 503 until the stack is ready, without invoking a handler', async () => {
      // Prepare
      let invoked = false;
      management = async () => {
        invoked = true;
        return { ok: true };
      };
      ready = false;
      // Act
      const responses = await Promise.all([
        fetch(`${gateway.url}/v1/me`),
        fetch(`${gateway.url}/event`, { method: 'POST', body: 'x' }),
      ]);
      // Assess
      expect(responses.map((r) => r.status)).toEqual([503, 503]);
      expect(invoked).toBe(false);
    });
  });

  describe('WebSocket API', () => {
    it('refuses the upgrade with 403 when the authorizer denies', async () => {
      authorizer = async (event) => denyPolicy(event);
      await expect(open(gateway.wsUrl)).rejects.toThrow('status 403');
    });

    it("refuses the upgrade with 401 when the authorizer throws 'Unauthorized'", async () => {
      authorizer = async () => {
        throw new Error('Unauthorized');
      };
      await expect(open(gateway.wsUrl)).rejects.toThrow('status 401');
    });

    it('refuses the upgrade with 500 when the authorizer context holds an object', async () => {
      authorizer = async (event) => ({ ...allowPolicy(event), context: { nested: { a: 1 } } });
      await expect(open(gateway.wsUrl)).rejects.toThrow('status 500');
    });

    it('refuses the upgrade when $connect answers non-2xx', async () => {
      connectResult = { statusCode: 409 };
      const before = gateway.connectionCount();
      await expect(open(gateway.wsUrl)).rejects.toThrow('status 409');
      expect(gateway.connectionCount()).toBe(before);
    });

    it('refuses upgrades with 503 until the stack is ready', async () => {
      // Prepare
      ready = false;
      // Act
      const opened = open(gateway.wsUrl);
      // Assess
      await expect(opened).rejects.toThrow('status 503');
    });

    it('refuses upgrades on other paths', async () => {
      await expect(open(gateway.wsUrl.replace('/ws', '/other'))).rejects.toThrow('status 404');
    });

    it('answers client messages like API Gateway without a $default route', async () => {
      const ws = await open(gateway.wsUrl);
      const reply = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
      ws.send('hello');
      expect(JSON.parse(await reply)).toMatchObject({ message: 'Forbidden' });
      ws.close();
    });
  });

  describe('@connections endpoint (real ApiGatewayManagementApiClient)', () => {
    let client: ApiGatewayManagementApiClient;

    beforeAll(() => {
      client = new ApiGatewayManagementApiClient({
        endpoint: gateway.connectionsUrl,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
      });
    });

    afterAll(() => client.destroy());

    async function connect(): Promise<{ ws: WebSocket; connectionId: string }> {
      const count = connectEvents.length;
      const ws = await open(gateway.wsUrl, { 'User-Agent': 'gateway-test/1.0' });
      const event = connectEvents[count]!;
      return { ws, connectionId: event.requestContext.connectionId };
    }

    it('PostToConnection delivers the data as one text frame', async () => {
      const { ws, connectionId } = await connect();
      const received = new Promise<{ text: string; isBinary: boolean }>((resolve) =>
        ws.once('message', (data, isBinary) => resolve({ text: String(data), isBinary })),
      );
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: '{"event":1}' }));
      expect(await received).toEqual({ text: '{"event":1}', isBinary: false });
      ws.close();
    });

    it('GetConnection describes the connection', async () => {
      const { ws, connectionId } = await connect();
      const info = await client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
      expect(info.ConnectedAt).toBeInstanceOf(Date);
      expect(info.LastActiveAt).toBeInstanceOf(Date);
      expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'gateway-test/1.0' });
      ws.close();
    });

    it('DeleteConnection closes the socket, runs $disconnect, and later calls get GoneException', async () => {
      const { ws, connectionId } = await connect();
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
      expect(await closed).toBe(1000);
      await eventually(
        () =>
          connectEvents.some(
            (e) =>
              e.requestContext.connectionId === connectionId && e.requestContext.eventType === 'DISCONNECT',
          ),
        '$disconnect',
      );
      const error = await client
        .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'x' }))
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(GoneException);
      expect((error as GoneException).$metadata.httpStatusCode).toBe(410);
    });

    const call = (method: string, path: string, body?: string) =>
      signedFetch(`${gateway.connectionsUrl}${path}`, { method, service: 'execute-api', credentials, body });

    it('answers an unknown connection id with 410 Gone', async () => {
      const response = await call('POST', '/@connections/bm9wZQ%3D%3D', 'x');
      expect(response.status).toBe(410);
      expect(response.headers.get('x-amzn-errortype')).toBe('GoneException');
      expect(await response.json()).toEqual({ message: 'Gone' });
    });

    it.each(['GET', 'POST', 'DELETE'])(
      'answers %s on a connection id with malformed percent-encoding with 410 Gone and keeps serving',
      async (method) => {
        const response = await call(method, '/@connections/%E0%A4%A', method === 'POST' ? 'x' : undefined);
        expect(response.status).toBe(410);
        expect(response.headers.get('x-amzn-errortype')).toBe('GoneException');
        expect((await call('GET', '/@connections/bm9wZQ%3D%3D')).status).toBe(410);
      },
    );

    it('is not served on the public gateway port', async () => {
      const { connectionId, ws } = await connect();
      const response = await fetch(`${gateway.url}/@connections/${encodeURIComponent(connectionId)}`, {
        method: 'POST',
        body: '{"forged":true}',
      });
      expect(response.status).toBe(404);
      ws.close();
    });

    it.each([
      ['unsigned', undefined],
      ['signed with other credentials', newLocalCredentials()],
    ])('refuses a request %s with 403 ForbiddenException and delivers nothing', async (_what, other) => {
      const { connectionId, ws } = await connect();
      const frames: string[] = [];
      ws.on('message', (data) => frames.push(String(data)));
      const path = `/@connections/${encodeURIComponent(connectionId)}`;
      const response = other
        ? await signedFetch(`${gateway.connectionsUrl}${path}`, {
            method: 'POST',
            service: 'execute-api',
            credentials: other,
            body: '{"forged":true}',
          })
        : await fetch(`${gateway.connectionsUrl}${path}`, { method: 'POST', body: '{"forged":true}' });
      expect(response.status).toBe(403);
      expect(response.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
      const described = await fetch(`${gateway.connectionsUrl}${path}`);
      expect(described.status).toBe(403);
      expect(await described.text()).not.toContain('sourceIp');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(frames).toEqual([]);
      ws.close();
    });

    it('only serves loopback callers', () => {
      expect(isLoopback('127.0.0.1')).toBe(true);
      expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
      expect(isLoopback('::1')).toBe(true);
      expect(isLoopback('192.168.1.20')).toBe(false);
      expect(isLoopback(undefined)).toBe(false);
    });
  });

  describe('load shedding', () => {
    it('answers 429 with Retry-After for the routes of a shed function and serves the others', async () => {
      const shedding = await startGateway({
        port: 0,
        shedLoad: (fn) => (fn === 'ingest' ? 3 : undefined),
        handlers: {
          ingest: async () => ({ statusCode: 204 }),
          token: async () => ({}),
          sts: async () => ({}),
          management: async () => ({}),
          health: async () => ({ statusCode: 200, body: '{"status":"ok"}' }),
          'ws-authorizer': async (event) => allowPolicy(event),
          'ws-connect': async () => ({ statusCode: 200 }),
        },
      });
      try {
        const shed = await fetch(`${shedding.url}/event`, { method: 'POST', body: '{}' });
        expect(shed.status).toBe(429);
        expect(shed.headers.get('retry-after')).toBe('3');
        expect(await shed.json()).toEqual({ message: 'Too Many Requests' });
        expect((await fetch(`${shedding.url}/ready`)).status).toBe(200);
      } finally {
        await shedding.close();
      }
    });
  });

  describe('slow and greedy subscribers', () => {
    let limited: Gateway;
    let client: ApiGatewayManagementApiClient;
    const limitedConnects: ConnectEvent[] = [];
    const limitedLines: string[] = [];

    beforeAll(async () => {
      limited = await startGateway({
        port: 0,
        maxConnectionsPerClient: 2,
        maxBufferedBytes: 256 * 1024,
        connectionsCredentials: credentials,
        log: (line) => limitedLines.push(line),
        handlers: {
          ingest: async () => ({}),
          token: async () => ({}),
          sts: async () => ({}),
          management: async () => ({}),
          health: async () => ({}),
          'ws-authorizer': async (event) => allowPolicy(event),
          'ws-connect': async (event) => void limitedConnects.push(event as ConnectEvent),
        },
      });
      client = new ApiGatewayManagementApiClient({
        endpoint: limited.connectionsUrl,
        region: 'us-east-1',
        credentials,
        maxAttempts: 1,
      });
    });

    afterAll(async () => {
      client.destroy();
      await limited.close();
    });

    async function subscriber(): Promise<{ ws: WebSocket; connectionId: string; frames: string[] }> {
      const count = limitedConnects.length;
      const ws = await open(limited.wsUrl);
      const frames: string[] = [];
      ws.on('message', (data) => frames.push(String(data)));
      return { ws, connectionId: limitedConnects[count]!.requestContext.connectionId, frames };
    }

    it('closes a subscriber that stops reading once it holds the buffer limit, and the other one gets every frame', async () => {
      const paused = await subscriber();
      const reading = await subscriber();
      (paused.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const frame = 'x'.repeat(100 * 1024);
      const post = (connectionId: string) =>
        client
          .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: frame }))
          .then(() => undefined)
          .catch((err: unknown) => err);
      let pausedGone = false;
      let readingPosts = 0;
      // The kernel's socket buffers fill first (a few MiB on loopback), then the gateway's own.
      for (let i = 0; i < 1000 && !pausedGone; i++) {
        pausedGone = (await post(paused.connectionId)) instanceof GoneException;
        if (i % 10 === 0) {
          expect(await post(reading.connectionId)).toBeUndefined();
          readingPosts++;
        }
      }
      expect(pausedGone).toBe(true);
      await eventually(() => reading.frames.length === readingPosts, 'every frame at the reading subscriber');
      expect(limitedLines.filter((line) => line.includes('did not read'))).toHaveLength(1);
      reading.ws.close();
    });

    it('refuses an upgrade with 429 once a client id holds the most connections allowed', async () => {
      await eventually(() => limited.connectionCount() === 0, 'earlier sockets closed');
      const first = await open(limited.wsUrl);
      const second = await open(limited.wsUrl);
      await expect(open(limited.wsUrl)).rejects.toThrow('status 429');
      first.close();
      await eventually(() => limited.connectionCount() === 1, 'one socket closed');
      const third = await open(limited.wsUrl);
      second.close();
      third.close();
    });
  });

  describe('idle connections', () => {
    /** A gateway whose WebSocket subscribers are all allowed; every $connect/$disconnect lands in `events`. */
    const startIdleGateway = (
      events: ConnectEvent[],
      options: { idleTimeoutMs: number; pingIntervalMs: number; connectionsCredentials?: typeof credentials },
    ) =>
      startGateway({
        port: 0,
        ...options,
        handlers: {
          ingest: async () => ({}),
          token: async () => ({}),
          sts: async () => ({}),
          management: async () => ({}),
          health: async () => ({}),
          'ws-authorizer': async (event) => allowPolicy(event),
          'ws-connect': async (event) => void events.push(event as ConnectEvent),
        },
      });

    it('closes a connection without client activity after the idle timeout, running $disconnect', async () => {
      const events: ConnectEvent[] = [];
      const idleGateway = await startIdleGateway(events, { idleTimeoutMs: 100, pingIntervalMs: 25 });
      try {
        const ws = await open(idleGateway.wsUrl);
        const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
        expect(code).toBe(1001);
        await eventually(
          () => events.some((e) => e.requestContext.eventType === 'DISCONNECT'),
          '$disconnect',
        );
      } finally {
        await idleGateway.close();
      }
    });

    it('keeps a subscriber that receives events open past the idle timeout (deliveries count as activity)', async () => {
      // Prepare
      const events: ConnectEvent[] = [];
      // A wide margin: a delivery every 100 ms against a 1 s idle timeout, so a slow machine's pauses
      // between posts never look like idleness.
      const idleGateway = await startIdleGateway(events, {
        connectionsCredentials: credentials,
        idleTimeoutMs: 1000,
        pingIntervalMs: 100,
      });
      try {
        const ws = await open(idleGateway.wsUrl);
        const received: string[] = [];
        ws.on('message', (data) => received.push(data.toString()));
        let closed = false;
        ws.once('close', () => {
          closed = true;
        });
        await eventually(() => events.length > 0, '$connect');
        const connectionId = events[0]!.requestContext.connectionId;
        // Act: an event every 100 ms for over two idle timeouts; the client itself sends nothing.
        for (let i = 0; i < 24; i++) {
          await signedFetch(
            `${idleGateway.connectionsUrl}/@connections/${encodeURIComponent(connectionId)}`,
            {
              method: 'POST',
              service: 'execute-api',
              credentials,
              body: `{"n":${i}}`,
            },
          );
          await new Promise((r) => setTimeout(r, 100));
        }
        // Assess
        expect(closed).toBe(false);
        await eventually(() => received.length === 24, 'all deliveries');
        ws.close();
      } finally {
        await idleGateway.close();
      }
    });
  });

  it('logs the route a request took, never the values in its path', async () => {
    // Prepare
    lines.length = 0;
    // Act
    await fetch(`${gateway.url}/v1/users/alice%40example.com`, { method: 'DELETE' });
    await fetch(`${gateway.url}/v1/data-subjects/alice@example.com`, { method: 'DELETE' });
    await fetch(`${gateway.url}/v1/streams/demo`);
    await fetch(`${gateway.url}/alice@example.com`);
    // Assess
    expect(lines.map((line) => line.replace(/ \d+ms$/, ''))).toEqual([
      'DELETE /v1/users/:email 200',
      'DELETE /v1/{proxy+} 200',
      'GET /v1/streams/:name 200',
      'GET (no route) 404',
    ]);
  });
});
