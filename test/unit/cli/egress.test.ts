import { type WebSocket, WebSocketServer } from 'ws';
import { ApiError } from '../../../cli/api-client';
import { runEgress } from '../../../cli/egress-client';
import { saveStream } from '../../../cli/saved-entities';
import { writeSavedLogin } from '../../../cli/user-session';
import { localContextDir, runStrm } from './run-cli';
import { closedPortUrl, fakeJwt } from './scripted-api';
import { scriptedCli } from './scripted-cli';

const cli = scriptedCli();
let tokensIssued: number;

beforeEach(() => {
  tokensIssued = 0;
  cli.api.on('POST /auth/token', (request) => {
    const form = new URLSearchParams(request.body);
    if (form.get('client_secret') !== 'secret-winston-0') {
      return {
        status: 401,
        body: { error: 'invalid_client', error_description: 'invalid client credentials' },
      };
    }
    tokensIssued += 1;
    return {
      status: 200,
      body: {
        access_token: fakeJwt({ stream: 'winston-0', derived: true, n: tokensIssued }),
        token_type: 'Bearer',
        expires_in: 900,
      },
    };
  });
  saveStream(localContextDir(cli.dir), {
    stream: { name: 'winston-0', linkedStream: 'winston', consentLevels: [0] },
    credentials: { clientId: 'cid-winston-0', clientSecret: 'secret-winston-0' },
  });
});

const event = (n: number) => ({
  strmMeta: { eventContractRef: 'streammachine/clickstream/1.0.0', consentLevels: [0] },
  n,
});

describe('strm egress', () => {
  it('connects with the stream token and prints each event as one JSON line on stdout', async () => {
    const authorizations: (string | undefined)[] = [];
    cli.api.acceptWebSockets(
      (authorization) => {
        authorizations.push(authorization);
        return { accept: true };
      },
      (socket) => {
        socket.send(JSON.stringify(event(1)));
        socket.send(JSON.stringify(event(2), null, 2));
      },
    );
    const result = await runStrm(['egress', 'winston-0', '--count', '2'], { env: cli.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${JSON.stringify(event(1))}\n${JSON.stringify(event(2))}\n`);
    expect(result.stderr).toContain(
      `Listening to stream winston-0 at ${cli.apiUrl.replace('http', 'ws')}/ws`,
    );
    expect(authorizations).toEqual([`Bearer ${fakeJwt({ stream: 'winston-0', derived: true, n: 1 })}`]);
  });

  it('asks for batched frames (?batch=true) and prints each event of an array frame as a line of its own', async () => {
    // Prepare
    cli.api.acceptWebSockets(
      () => ({ accept: true }),
      (socket) => {
        socket.send(JSON.stringify([event(1), event(2)]));
        socket.send(JSON.stringify(event(3)));
      },
    );
    // Act
    const result = await runStrm(['egress', 'winston-0', '--count', '3'], { env: cli.env });
    // Assess
    expect(result.code).toBe(0);
    expect(cli.api.upgradeUrls).toEqual(['/ws?batch=true']);
    expect(result.stdout).toBe([1, 2, 3].map((n) => `${JSON.stringify(event(n))}\n`).join(''));
  });

  it('counts events, not frames, for --count', async () => {
    // Prepare
    cli.api.acceptWebSockets(
      () => ({ accept: true }),
      (socket) => socket.send(JSON.stringify([event(1), event(2), event(3)])),
    );
    // Act
    const result = await runStrm(['egress', 'winston-0', '--count', '2'], { env: cli.env });
    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${JSON.stringify(event(1))}\n${JSON.stringify(event(2))}\n`);
  });

  it('reconnects after the server closes the connection', async () => {
    let connections = 0;
    cli.api.acceptWebSockets(
      () => ({ accept: true }),
      (socket: WebSocket) => {
        connections += 1;
        socket.send(JSON.stringify(event(connections)));
        if (connections === 1) socket.close(1001);
      },
    );
    const result = await runStrm(['egress', 'winston-0', '--count', '2'], { env: cli.env });
    expect(result.code).toBe(0);
    expect(
      result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line).n),
    ).toEqual([1, 2]);
    expect(result.stderr).toMatch(/Connection closed \(1001\); reconnecting/);
  });

  it('exits 1 with a clear message when the upgrade is refused with 401', async () => {
    cli.api.acceptWebSockets(
      () => ({ accept: false, status: 401 }),
      () => undefined,
    );
    const result = await runStrm(['egress', 'winston-0'], { env: cli.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /Error: The WebSocket endpoint refused the connection \(401\): the token is invalid or the credentials belong to another stream than winston-0/,
    );
  });

  it('refuses credentials of another stream before connecting', async () => {
    saveStream(localContextDir(cli.dir), {
      stream: { name: 'winston' },
      credentials: { clientId: 'cid-winston-0', clientSecret: 'secret-winston-0' },
    });
    const result = await runStrm(['egress', 'winston'], { env: cli.env });
    expect(result).toMatchObject({
      code: 1,
      stderr: 'Error: These credentials belong to stream winston-0, not winston\n',
    });
  });

  it('closes and exits 130 when interrupted', async () => {
    const interrupt = new AbortController();
    cli.api.acceptWebSockets(
      () => ({ accept: true }),
      (socket) => socket.send(JSON.stringify(event(1))),
    );
    const result = await runStrm(['egress', 'winston-0'], {
      env: cli.env,
      interrupt: interrupt.signal,
      onStdout: () => interrupt.abort(),
    });
    expect(result.code).toBe(130);
    expect(result.stdout).toBe(`${JSON.stringify(event(1))}\n`);
  });

  it('exits 1 when the WebSocket endpoint cannot be reached at all', async () => {
    const wsUrl = `${(await closedPortUrl()).replace('http', 'ws')}/ws`;
    const result = await runStrm(['egress', 'winston-0', '--ws-url', wsUrl], { env: cli.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Error: Cannot connect to ${wsUrl} (ECONNREFUSED)`);
  });
});

describe('strm egress of a stream that goes away', () => {
  it('ends with exit 1 and says why when the stream is deleted (socket closed, reconnect refused)', async () => {
    // Prepare
    let deleted = false;
    cli.api.acceptWebSockets(
      () => (deleted ? { accept: false, status: 403 } : { accept: true }),
      (socket) => {
        socket.send(JSON.stringify(event(1)));
        deleted = true;
        socket.close(1001);
      },
    );
    // Act
    const result = await runStrm(['egress', 'winston-0'], { env: cli.env });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(`${JSON.stringify(event(1))}\n`);
    expect(result.stderr).toContain(
      'Error: Stream winston-0 no longer accepts these credentials: the stream or its credentials were deleted ' +
        '(the WebSocket endpoint answered 403). Check with: strm get stream winston-0\n',
    );
  });

  it('stops listening when the token endpoint refuses the credentials while the socket stays open', async () => {
    // Prepare
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    let revoked = false;
    server.on('connection', () => {
      revoked = true;
    });
    // Act
    const outcome = await runEgress({
      wsUrl: `ws://127.0.0.1:${(server.address() as { port: number }).port}`,
      streamName: 'winston-0',
      getToken: async () => fakeJwt({ stream: 'winston-0', derived: true }),
      onEvent: () => undefined,
      onNotice: () => undefined,
      signal: new AbortController().signal,
      checkAccess: async () => {
        if (revoked) throw new ApiError(401, 'invalid_client', 'unknown client or wrong secret');
      },
      accessCheckMs: 20,
    }).then(
      () => 'stopped',
      (error: Error) => error.message,
    );
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
    // Assess
    expect(outcome).toMatch(/^Stream winston-0 no longer accepts these credentials/);
  });

  it('says the stream does not exist when there are no saved credentials and the API has no such stream', async () => {
    // Prepare
    writeSavedLogin(localContextDir(cli.dir), {
      email: 'you@example.com',
      accountId: 'acc-1',
      apiUrl: cli.apiUrl,
      accessToken: 'user-access',
      refreshToken: 'user-refresh',
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    cli.api.on('GET /v1/streams/nope', {
      status: 404,
      body: { error: { code: 'not_found', message: 'stream nope not found' } },
    });
    // Act
    const result = await runStrm(['egress', 'nope'], { env: cli.env });
    // Assess
    expect(result.stderr).toBe(
      `Error: Stream nope does not exist in context local (${cli.apiUrl}). Create it with: ` +
        'strm create stream nope --save (your streams: strm list streams)\n',
    );
  });

  it('says how to create credentials for an existing stream without saved ones', async () => {
    // Prepare
    writeSavedLogin(localContextDir(cli.dir), {
      email: 'you@example.com',
      accountId: 'acc-1',
      apiUrl: cli.apiUrl,
      accessToken: 'user-access',
      refreshToken: 'user-refresh',
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
    });
    cli.api.on('GET /v1/streams/winston', {
      status: 200,
      body: { stream: { name: 'winston' }, derived: [] },
    });
    // Act
    const result = await runStrm(['egress', 'winston'], { env: cli.env });
    // Assess
    expect(result.stderr).toBe(
      `Error: No saved credentials for stream winston in context local (${cli.apiUrl}). Create a client id and ` +
        'secret and save them: strm create credentials winston --save (or pass --client-id and --client-secret)\n',
    );
  });
});

describe('the egress WebSocket client', () => {
  it('sends keep-alive pings so that an idle subscription is not closed by the gateway', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    let pings = 0;
    server.on('connection', (socket) => socket.on('ping', () => pings++));
    const controller = new AbortController();
    const port = (server.address() as { port: number }).port;
    const running = runEgress({
      wsUrl: `ws://127.0.0.1:${port}`,
      streamName: 'winston-0',
      getToken: async () => fakeJwt({ stream: 'winston-0', derived: true }),
      onEvent: () => undefined,
      onNotice: () => undefined,
      signal: controller.signal,
      keepAliveMs: 20,
    });
    const deadline = Date.now() + 5_000;
    while (pings < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await running;
    await new Promise((resolve) => server.close(resolve));
    expect(pings).toBeGreaterThanOrEqual(3);
  });
  it('keeps reconnecting when the token endpoint is briefly unavailable (503) after a close', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    let connections = 0;
    server.on('connection', (socket) => {
      connections++;
      if (connections === 1) socket.close(1001);
    });
    let tokenCalls = 0;
    const controller = new AbortController();
    const running = runEgress({
      wsUrl: `ws://127.0.0.1:${(server.address() as { port: number }).port}`,
      streamName: 'winston-0',
      getToken: async () => {
        tokenCalls++;
        if (tokenCalls === 2) throw new ApiError(503, 'unavailable', 'the stack is restarting');
        return fakeJwt({ stream: 'winston-0', derived: true });
      },
      onEvent: () => undefined,
      onNotice: () => undefined,
      signal: controller.signal,
      initialBackoffMs: 5,
    });
    const outcome = running.then(
      () => 'stopped',
      (error: Error) => `failed: ${error.message}`,
    );
    try {
      const deadline = Date.now() + 5_000;
      while (connections < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    } finally {
      controller.abort();
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await outcome).toBe('stopped');
    expect(tokenCalls).toBeGreaterThanOrEqual(3);
    expect(connections).toBe(2);
  });
});
