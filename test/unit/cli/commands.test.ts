import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StreamRecord } from '../../../cli/api-client';
import { writeConfigFile } from '../../../cli/config';
import { saveStream } from '../../../cli/saved-entities';
import { DEFAULT_MAX_IN_FLIGHT } from '../../../cli/sim-runner';
import { readSavedLogin } from '../../../cli/user-session';
import { localContextDir, runStrm } from './run-cli';
import { closedPortUrl, fakeJwt, type ScriptedResponse } from './scripted-api';
import { scriptedCli, signIn } from './scripted-cli';

const cli = scriptedCli({ env: { STRM_PASSWORD: 'correct horse' } });

function streamRecord(overrides: Partial<StreamRecord> = {}): StreamRecord {
  return {
    name: 'winston',
    accountId: 'acc-1',
    enabled: true,
    keyRotationHours: 24,
    createdAt: '2024-01-01T00:00:00.000Z',
    credentials: [{ clientId: 'cid-winston' }],
    ...overrides,
  };
}

const loggedIn = () => signIn(cli);

function savedStreamFile(name: string): string {
  return path.join(localContextDir(cli.dir), 'saved-entities', 'Stream', `${name}.json`);
}

function saveCredentials(stream: StreamRecord): void {
  saveStream(localContextDir(cli.dir), {
    stream,
    credentials: { clientId: `cid-${stream.name}`, clientSecret: `secret-${stream.name}` },
  });
}

/** Scripts POST /auth/token: tokens for known client ids, with the stream and derived claims. */
function scriptStreamTokens(streams: Record<string, { derived: boolean }>): void {
  cli.api.on('POST /auth/token', (request) => {
    const form = new URLSearchParams(request.body);
    const name = (form.get('client_id') ?? '').replace(/^cid-/, '');
    const stream = streams[name];
    if (!stream || form.get('client_secret') !== `secret-${name}`) {
      return {
        status: 401,
        body: { error: 'invalid_client', error_description: 'invalid client credentials' },
      };
    }
    return {
      status: 200,
      body: {
        access_token: fakeJwt({ typ: 'stream', stream: name, derived: stream.derived }),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: 'stream-refresh',
      },
    };
  });
}

describe('strm auth', () => {
  it('signup sends the email and the password from STRM_PASSWORD', async () => {
    cli.api.on('POST /v1/accounts', { status: 201, body: { accountId: 'acc-1', email: 'you@example.com' } });
    const result = await runStrm(['auth', 'signup', 'you@example.com'], { env: cli.env });
    expect(result.code).toBe(0);
    expect(JSON.parse(cli.api.requestsTo('POST /v1/accounts')[0].body)).toEqual({
      email: 'you@example.com',
      password: 'correct horse',
    });
    expect(result.stdout).toMatch(/Created account you@example.com/);
  });

  it('signup reads the password from one line of piped stdin without STRM_PASSWORD', async () => {
    cli.api.on('POST /v1/accounts', { status: 201, body: { accountId: 'acc-1', email: 'you@example.com' } });
    const { STRM_PASSWORD: _unused, ...noPassword } = cli.env;
    const result = await runStrm(['auth', 'signup', 'you@example.com'], {
      env: noPassword,
      stdin: 'piped pw\nextra\n',
    });
    expect(result.code).toBe(0);
    expect(JSON.parse(cli.api.requestsTo('POST /v1/accounts')[0].body).password).toBe('piped pw');
  });

  it('signup passes --bootstrap-secret as bootstrapSecret', async () => {
    cli.api.on('POST /v1/accounts', { status: 201, body: { accountId: 'acc-1', email: 'you@example.com' } });
    await runStrm(['auth', 'signup', 'you@example.com', '--bootstrap-secret', 'boot'], { env: cli.env });
    expect(JSON.parse(cli.api.requestsTo('POST /v1/accounts')[0].body).bootstrapSecret).toBe('boot');
  });

  it('signup warns that --bootstrap-secret exposes the secret, and still sends it', async () => {
    // Prepare
    cli.api.on('POST /v1/accounts', { status: 201, body: { accountId: 'acc-1', email: 'you@example.com' } });
    // Act
    const result = await runStrm(['auth', 'signup', 'you@example.com', '--bootstrap-secret', 'boot'], {
      env: cli.env,
    });
    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /--bootstrap-secret puts the secret in your shell history.*STRM_BOOTSTRAP_SECRET/,
    );
    expect(result.stderr).not.toContain('boot\n');
  });

  it('signup takes the bootstrap secret from STRM_BOOTSTRAP_SECRET, without a warning', async () => {
    // Prepare
    cli.api.on('POST /v1/accounts', { status: 201, body: { accountId: 'acc-1', email: 'you@example.com' } });
    // Act
    const result = await runStrm(['auth', 'signup', 'you@example.com'], {
      env: { ...cli.env, STRM_BOOTSTRAP_SECRET: 'boot-env' },
    });
    // Assess
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(cli.api.requestsTo('POST /v1/accounts')[0].body).bootstrapSecret).toBe('boot-env');
  });

  it('signup on a deployed stack reads the bootstrap secret after the password (prompt or piped stdin)', async () => {
    // Prepare
    cli.api.on('POST /v1/accounts', { status: 201, body: { accountId: 'acc-1', email: 'you@example.com' } });
    writeConfigFile(cli.dir, {
      currentContext: 'prod',
      contexts: {
        prod: { apiUrl: cli.apiUrl, stack: 'strm-prod', bootstrapSecretArn: 'arn:aws:secretsmanager:x' },
      },
    });
    const { STRM_PASSWORD: _unused, STRM_API_URL: _url, ...noSecrets } = cli.env;
    // Act
    const result = await runStrm(['auth', 'signup', 'you@example.com'], {
      env: noSecrets,
      stdin: 'piped pw\npiped boot\n',
    });
    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(cli.api.requestsTo('POST /v1/accounts')[0].body)).toEqual({
      email: 'you@example.com',
      password: 'piped pw',
      bootstrapSecret: 'piped boot',
    });
  });

  it('signup prints the server message on a clash and exits 1', async () => {
    cli.api.on('POST /v1/accounts', {
      status: 409,
      body: { error: { code: 'conflict', message: 'account exists' } },
    });
    const result = await runStrm(['auth', 'signup', 'you@example.com'], { env: cli.env });
    expect(result).toMatchObject({ code: 1, stderr: 'Error: account exists\n' });
  });

  it('login saves the tokens (0600) and never prints them', async () => {
    cli.api.on('POST /v1/auth/login', {
      status: 200,
      body: {
        accessToken: 'AT-123',
        refreshToken: 'RT-456',
        expiresAt: 4_000_000_000,
        accountId: 'acc-1',
        email: 'you@example.com',
      },
    });
    const result = await runStrm(['auth', 'login', 'you@example.com'], { env: cli.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Logged in as you@example.com (account acc-1) at ${cli.apiUrl}\n`);
    expect(readSavedLogin(localContextDir(cli.dir), cli.apiUrl)).toMatchObject({
      accessToken: 'AT-123',
      refreshToken: 'RT-456',
    });
    const file = fs
      .readdirSync(localContextDir(cli.dir))
      .find((name) => name.startsWith('credentials-')) as string;
    expect(fs.statSync(path.join(localContextDir(cli.dir), file)).mode & 0o777).toBe(0o600);
    expect(result.stdout + result.stderr).not.toMatch(/AT-123|RT-456/);
  });

  it('login with a wrong email/password says so, how to retry, and how to sign up', async () => {
    cli.api.on('POST /v1/auth/login', {
      status: 401,
      body: { error: { code: 'unauthorized', message: 'invalid login' } },
    });
    const result = await runStrm(['auth', 'login', 'you@example.com'], { env: cli.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Error: That email and password do not match an account at ${cli.apiUrl} (context local). ` +
        'Check them and try again: strm auth login you@example.com. ' +
        'No account yet? Create one: strm auth signup you@example.com\n',
    );
  });

  it('show prints email, account id, cli.api url and expiry but not the token; logout forgets the login', async () => {
    loggedIn();
    const shown = await runStrm(['auth', 'show'], { env: cli.env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^email:\s+you@example.com$/m);
    expect(shown.stdout).toMatch(/^account id:\s+acc-1$/m);
    expect(shown.stdout).toContain(cli.apiUrl);
    expect(shown.stdout).toMatch(/^token expires at:\s+\d{4}-\d\d-\d\dT/m);
    expect(shown.stdout).not.toContain('user-access');
    expect((await runStrm(['auth', 'logout'], { env: cli.env })).code).toBe(0);
    expect(readSavedLogin(localContextDir(cli.dir), cli.apiUrl)).toBeUndefined();
    expect((await runStrm(['auth', 'show'], { env: cli.env })).code).toBe(1);
  });

  it('reports an API that is not running with the npm start hint', async () => {
    const closedUrl = await closedPortUrl();
    const result = await runStrm(['auth', 'login', 'you@example.com'], {
      env: { ...cli.env, STRM_API_URL: closedUrl },
    });
    expect(result).toMatchObject({
      code: 1,
      stderr: `Cannot reach ${closedUrl}: is the local stack running? Start it with: npm start\n`,
    });
  });
});

describe('strm create stream', () => {
  beforeEach(loggedIn);

  function scriptCreate(name = 'winston', extra: Partial<StreamRecord> = {}) {
    cli.api.on('POST /v1/streams', (request) => {
      const body = JSON.parse(request.body);
      return {
        status: 201,
        body: {
          stream: streamRecord({ name: body.name ?? name, ...extra }),
          credentials: { clientId: `cid-${body.name ?? name}`, clientSecret: 'shown-once' },
        },
      };
    });
  }
  const createBody = () => JSON.parse(cli.api.requestsTo('POST /v1/streams')[0].body);

  it('creates a source stream with the user token and saves it with --save', async () => {
    scriptCreate();
    const result = await runStrm(['create', 'stream', 'winston', '--save'], { env: cli.env });
    expect(result.code).toBe(0);
    expect(createBody()).toEqual({ name: 'winston' });
    expect(cli.api.requestsTo('POST /v1/streams')[0].headers.authorization).toBe('Bearer user-access');
    const saved = JSON.parse(fs.readFileSync(savedStreamFile('winston'), 'utf8'));
    expect(saved.credentials).toEqual({ clientId: 'cid-winston', clientSecret: 'shown-once' });
    expect(fs.statSync(savedStreamFile('winston')).mode & 0o777).toBe(0o600);
    expect(result.stdout).toMatch(/^client secret:\s+shown-once$/m);
    expect(result.stdout).toContain(savedStreamFile('winston'));
  });

  it('still prints the one-time secret, and exits 1, when --save cannot write the file', async () => {
    scriptCreate();
    fs.writeFileSync(path.join(localContextDir(cli.dir), 'saved-entities'), 'not a directory');
    const result = await runStrm(['create', 'stream', 'winston', '--save'], { env: cli.env });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^client secret:\s+shown-once$/m);
    expect(result.stderr).toMatch(/created, but its credentials could not be saved/);
    expect(result.stderr).toMatch(/not shown again/);
  });

  it('creates a derived stream without a name, CUMULATIVE by default', async () => {
    scriptCreate('winston-0', {
      linkedStream: 'winston',
      consentLevels: [0],
      consentLevelType: 'CUMULATIVE',
    });
    const result = await runStrm(
      ['create', 'stream', '--derived-from', 'winston', '--levels', '0', '--save'],
      { env: cli.env },
    );
    expect(result.code).toBe(0);
    expect(createBody()).toEqual({
      linkedStream: 'winston',
      consentLevels: [0],
      consentLevelType: 'CUMULATIVE',
    });
    expect(fs.existsSync(savedStreamFile('winston-0'))).toBe(true);
  });

  it('accepts comma-separated and repeated --levels', async () => {
    scriptCreate('winston-1-3-5');
    await runStrm(
      ['create', 'stream', '-D', 'winston', '--levels', '1,3', '-L', '5', '--consent-type', 'granular'],
      {
        env: cli.env,
      },
    );
    expect(createBody()).toEqual({
      linkedStream: 'winston',
      consentLevels: [1, 3, 5],
      consentLevelType: 'GRANULAR',
    });
  });

  it('sends an explicit name for a derived stream', async () => {
    scriptCreate('marketing');
    await runStrm(['create', 'stream', 'marketing', '--derived-from', 'winston', '--levels', '1'], {
      env: cli.env,
    });
    expect(createBody()).toMatchObject({ name: 'marketing', linkedStream: 'winston' });
  });

  it('prints the server message on a clash with the name to give instead, exits 1 and keeps the saved file', async () => {
    saveCredentials(streamRecord({ name: 'winston-0', linkedStream: 'winston' }));
    const before = fs.readFileSync(savedStreamFile('winston-0'), 'utf8');
    cli.api.on('POST /v1/streams', {
      status: 409,
      body: { error: { code: 'conflict', message: "stream 'winston-0' already exists" } },
    });
    const result = await runStrm(
      [
        'create',
        'stream',
        '--derived-from',
        'winston',
        '--levels',
        '0',
        '--consent-type',
        'GRANULAR',
        '--save',
      ],
      { env: cli.env },
    );
    expect(result).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        "Error: stream 'winston-0' already exists\n" +
        'The default name of a derived stream is <source>-<levels>, and that one is taken. Give this stream its ' +
        'own name: strm create stream winston-granular-0 --derived-from winston --levels 0 --consent-type GRANULAR --save\n',
    });
    expect(fs.readFileSync(savedStreamFile('winston-0'), 'utf8')).toBe(before);
  });

  it('rejects --derived-from without --levels before calling the API', async () => {
    const result = await runStrm(['create', 'stream', '--derived-from', 'winston'], { env: cli.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--levels is required/);
    expect(cli.api.requests).toHaveLength(0);
  });

  it('rejects levels that are not numbers', async () => {
    const result = await runStrm(['create', 'stream', '-D', 'winston', '--levels', '1,x'], { env: cli.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Invalid --levels value '1,x'/);
  });

  it('prints the API JSON with -o json', async () => {
    scriptCreate();
    const result = await runStrm(['create', 'stream', 'winston', '-o', 'json'], { env: cli.env });
    expect(JSON.parse(result.stdout)).toEqual({
      stream: streamRecord(),
      credentials: { clientId: 'cid-winston', clientSecret: 'shown-once' },
    });
  });

  it('says to log in first when there is no login', async () => {
    fs.rmSync(
      path.join(
        localContextDir(cli.dir),
        fs.readdirSync(localContextDir(cli.dir)).find((f) => f.startsWith('credentials-')) as string,
      ),
    );
    const result = await runStrm(['create', 'stream', 'winston'], { env: cli.env });
    expect(result).toMatchObject({
      code: 1,
      stderr: 'Error: Not logged in: run strm auth login <email> first\n',
    });
  });
});

describe('strm list, get and delete stream', () => {
  beforeEach(loggedIn);
  const derived = streamRecord({
    name: 'winston-0',
    linkedStream: 'winston',
    consentLevels: [0],
    consentLevelType: 'CUMULATIVE',
  });

  it('list streams prints a table', async () => {
    cli.api.on('GET /v1/streams', { status: 200, body: { streams: [streamRecord(), derived] } });
    const result = await runStrm(['list', 'streams'], { env: cli.env });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+LINKED STREAM\s+CONSENT LEVELS\s+CONSENT TYPE\s+ENABLED$/);
    expect(lines[2]).toMatch(/^winston-0\s+winston\s+0\s+CUMULATIVE\s+true$/);
  });

  it('list streams -o json prints the API JSON', async () => {
    cli.api.on('GET /v1/streams', { status: 200, body: { streams: [streamRecord()] } });
    const result = await runStrm(['-o', 'json', 'list', 'streams'], { env: cli.env });
    expect(JSON.parse(result.stdout)).toEqual({ streams: [streamRecord()] });
  });

  it('get stream prints key/value lines and the derived streams', async () => {
    cli.api.on('GET /v1/streams/winston', {
      status: 200,
      body: { stream: streamRecord(), derived: [derived] },
    });
    const result = await runStrm(['get', 'stream', 'winston'], { env: cli.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^name:\s+winston$/m);
    expect(result.stdout).toMatch(/^winston-0\s+winston/m);
  });

  it('get stream of an unknown stream prints the 404 message', async () => {
    cli.api.on('GET /v1/streams/nope', {
      status: 404,
      body: { error: { code: 'not_found', message: 'stream nope not found' } },
    });
    const result = await runStrm(['get', 'stream', 'nope'], { env: cli.env });
    expect(result).toMatchObject({ code: 1, stderr: 'Error: stream nope not found\n' });
  });

  it('delete --recursive removes the saved files of every deleted stream, and only those', async () => {
    saveCredentials(streamRecord());
    saveCredentials(derived);
    saveCredentials(streamRecord({ name: 'other' }));
    cli.api.on('DELETE /v1/streams/winston', { status: 200, body: { deleted: ['winston', 'winston-0'] } });
    const result = await runStrm(['delete', 'stream', 'winston', '--recursive'], { env: cli.env });
    expect(result).toMatchObject({ code: 0, stdout: 'Deleted streams: winston, winston-0\n' });
    expect(cli.api.requestsTo('DELETE /v1/streams/winston')[0].url).toBe(
      '/v1/streams/winston?recursive=true',
    );
    expect(fs.existsSync(savedStreamFile('winston'))).toBe(false);
    expect(fs.existsSync(savedStreamFile('winston-0'))).toBe(false);
    expect(fs.existsSync(savedStreamFile('other'))).toBe(true);
  });

  it("delete says on stderr that the deleted streams' key links are kept (deleting shreds nothing)", async () => {
    // Prepare
    cli.api.on('DELETE /v1/streams/winston', { status: 200, body: { deleted: ['winston'] } });
    // Act
    const result = await runStrm(['delete', 'stream', 'winston'], { env: cli.env });
    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Note: the key links of deleted streams are kept/);
    expect(result.stderr).toContain('strm delete data-subject) before deleting their stream');
  });

  it('delete without --recursive prints the 409 of a stream with derived streams', async () => {
    saveCredentials(streamRecord());
    cli.api.on('DELETE /v1/streams/winston', {
      status: 409,
      body: { error: { code: 'conflict', message: 'stream winston has derived streams' } },
    });
    const result = await runStrm(['delete', 'stream', 'winston'], { env: cli.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Error: stream winston has derived streams\nTo delete them too: strm delete stream winston --recursive\n',
    );
    expect(cli.api.requestsTo('DELETE /v1/streams/winston')[0].url).toBe('/v1/streams/winston');
    expect(fs.existsSync(savedStreamFile('winston'))).toBe(true);
  });
});

describe('strm sim run-random', () => {
  const sim = (...args: string[]) => runStrm(['sim', 'run-random', ...args], { env: cli.env });
  const events = () => cli.api.requestsTo('POST /event');

  beforeEach(() => {
    scriptStreamTokens({ winston: { derived: false }, 'winston-0': { derived: true } });
    cli.api.on('POST /event', { status: 204 });
  });

  it('sends --count legacy clickstream events (the default) with the stream token and prints the banner on stderr', async () => {
    saveCredentials(streamRecord());
    const result = await sim('winston', '--count', '3', '--interval', '0');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^Starting to simulate random clickstream events to stream winston\. Sending one event every 0 ms\.\n/,
    );
    expect(result.stderr).toMatch(/Sent 3 events\n$/);
    expect(events()).toHaveLength(3);
    for (const request of events()) {
      expect(request.headers).toMatchObject({
        'strm-schema-id': 'clickstream',
        'strm-serialization-type': 'application/json',
      });
      expect(request.headers['strm-schema-ref']).toBeUndefined();
      expect(request.headers.authorization).toMatch(/^Bearer ey/);
      const body = JSON.parse(request.body);
      expect(body.strmMeta).toEqual({ schemaId: 'clickstream', consentLevels: expect.any(Array) });
      expect(body.customer.id).toBe(`customer-${body.producerSessionId}`);
    }
    expect(cli.api.requestsTo('POST /auth/token')).toHaveLength(1);
  });

  it('sends clickstream events with eventContractRef for --schema streammachine/clickstream/1.0.0', async () => {
    saveCredentials(streamRecord());
    const result = await sim(
      'winston',
      '--count',
      '3',
      '--interval',
      '0',
      '--schema',
      'streammachine/clickstream/1.0.0',
    );
    expect(result.code).toBe(0);
    expect(events()).toHaveLength(3);
    for (const request of events()) {
      expect(request.headers).toMatchObject({
        'strm-schema-ref': 'streammachine/clickstream/1.0.0',
        'strm-serialization-type': 'application/json',
      });
      const body = JSON.parse(request.body);
      expect(body.strmMeta.eventContractRef).toBe('streammachine/clickstream/1.0.0');
      expect(body.customer.id).toBe(`customer-${body.producerSessionId}`);
    }
  });

  it('sends --batch n events per POST /events, --count events in all', async () => {
    // Prepare
    saveCredentials(streamRecord());
    cli.api.on('POST /events', (request) => {
      const sent = JSON.parse(request.body) as unknown[];
      return {
        status: 200,
        body: {
          accepted: sent.length,
          rejected: 0,
          results: sent.map((_, index) => ({ index, status: 204 })),
        },
      };
    });
    // Act
    const result = await sim('winston', '--count', '25', '--batch', '10', '--interval', '0');
    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Sending 10 events every 0 ms\./);
    expect(result.stderr).toMatch(/Sent 25 events\n$/);
    const batches = cli.api
      .requestsTo('POST /events')
      .map((request) => JSON.parse(request.body) as unknown[]);
    expect(batches.map((batch) => batch.length)).toEqual([10, 10, 5]);
    expect(events()).toHaveLength(0);
  });

  it('sends the events of a batch the stack answered 429 for again, and only those', async () => {
    // Prepare
    saveCredentials(streamRecord());
    let calls = 0;
    cli.api.on('POST /events', (request) => {
      const sent = JSON.parse(request.body) as unknown[];
      calls++;
      const status = (index: number) => (calls === 1 && index === 1 ? 429 : 204);
      const results = sent.map((_, index) => ({ index, status: status(index) }));
      const accepted = results.filter((r) => r.status === 204).length;
      return { status: 200, body: { accepted, rejected: sent.length - accepted, results } };
    });
    // Act
    const result = await sim('winston', '--count', '3', '--batch', '3', '--interval', '0');
    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Sent 3 events\n$/);
    const batches = cli.api
      .requestsTo('POST /events')
      .map((request) => JSON.parse(request.body) as unknown[]);
    expect(batches.map((batch) => batch.length)).toEqual([3, 1]);
  });

  it('ends with the first event of a batch the stack refused, after counting the accepted ones', async () => {
    // Prepare
    saveCredentials(streamRecord());
    cli.api.on('POST /events', (request) => {
      const sent = JSON.parse(request.body) as unknown[];
      const results = sent.map((_, index) =>
        index === 2
          ? { index, status: 400, reason: "invalid value for field 'url'" }
          : { index, status: 204 },
      );
      return { status: 200, body: { accepted: sent.length - 1, rejected: 1, results } };
    });
    // Act
    const result = await sim('winston', '--count', '4', '--batch', '4', '--interval', '0');
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Sent 3 events');
    expect(result.stderr).toContain("Error: The event gateway answered 400: invalid value for field 'url'");
  });

  it('refuses a --batch over 500 events', async () => {
    // Prepare
    saveCredentials(streamRecord());
    // Act
    const result = await sim('winston', '--batch', '501');
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('at most 500 events per request');
  });

  it('is also strm simulate random-events, the later name', async () => {
    saveCredentials(streamRecord());
    const result = await runStrm(
      [
        'simulate',
        'random-events',
        'winston',
        '--count',
        '2',
        '--interval',
        '0',
        '--schema',
        'strmprivacy/demo/1.0.2',
      ],
      { env: cli.env },
    );
    expect(result.code).toBe(0);
    expect(events()).toHaveLength(2);
    expect(events()[0]!.headers['strm-schema-ref']).toBe('strmprivacy/demo/1.0.2');
    expect(JSON.parse(events()[0]!.body).strmMeta.eventContractRef).toBe('strmprivacy/example/1.3.0');
  });

  it('uses --client-id/--client-secret instead of saved credentials', async () => {
    const result = await sim(
      'winston',
      '--count',
      '1',
      '--client-id',
      'cid-winston',
      '--client-secret',
      'secret-winston',
    );
    expect(result.code).toBe(0);
    expect(events()).toHaveLength(1);
  });

  it('picks consent levels only from --consent-levels (comma-separated and repeated)', async () => {
    saveCredentials(streamRecord());
    await sim(
      'winston',
      '--count',
      '20',
      '--interval',
      '0',
      '--quiet',
      '--consent-levels',
      '0/1',
      '--consent-levels',
      '2',
    );
    expect(events()).toHaveLength(20);
    const picked = new Set(events().map((r) => JSON.stringify(JSON.parse(r.body).strmMeta.consentLevels)));
    expect([...picked].every((levels) => levels === '[0,1]' || levels === '[2]')).toBe(true);
  });

  it('sends demo events with --schema streammachine/demo/1.0.2', async () => {
    saveCredentials(streamRecord());
    await sim('winston', '--count', '1', '--schema', 'streammachine/demo/1.0.2');
    expect(events()[0].headers['strm-schema-ref']).toBe('streammachine/demo/1.0.2');
    expect(JSON.parse(events()[0].body).strmMeta.eventContractRef).toBe('streammachine/example/1.3.0');
  });

  it('refuses a saved derived stream', async () => {
    saveCredentials(streamRecord({ name: 'winston-0', linkedStream: 'winston' }));
    const result = await sim('winston-0', '--count', '1');
    expect(result).toMatchObject({
      code: 1,
      stderr: "Error: You can't run a simulator on a derived stream\n",
    });
    expect(events()).toHaveLength(0);
  });

  it('refuses credentials whose token is for a derived stream', async () => {
    const result = await sim(
      'winston-0',
      '--count',
      '1',
      '--client-id',
      'cid-winston-0',
      '--client-secret',
      'secret-winston-0',
    );
    expect(result).toMatchObject({
      code: 1,
      stderr: "Error: You can't run a simulator on a derived stream\n",
    });
    expect(events()).toHaveLength(0);
  });

  it('says how to get credentials when there are none (not logged in: both ways)', async () => {
    const result = await sim('winston', '--count', '1');
    expect(result.stderr).toBe(
      `Error: No saved credentials for stream winston in context local (${cli.apiUrl}). If the stream exists, ` +
        'create credentials for it: strm create credentials winston --save; if not, create it: ' +
        'strm create stream winston --save. Or pass --client-id and --client-secret.\n',
    );
    expect(result.code).toBe(1);
  });

  it('reports rejected client credentials', async () => {
    const result = await sim(
      'winston',
      '--count',
      '1',
      '--client-id',
      'cid-winston',
      '--client-secret',
      'wrong',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /client id\/secret for stream winston were rejected: invalid client credentials/,
    );
  });

  it('ends the run with exit code 1 on the first non-204, printing status and body', async () => {
    // Prepare: two events accepted; the later ones are held until the sender has as many in flight as it
    // may, then all refused, so it cannot have sent more by the time it sees a refusal.
    saveCredentials(streamRecord());
    const held: Array<(answer: ScriptedResponse) => void> = [];
    const refusal: ScriptedResponse = { status: 400, text: "Field: 'url' doesn't match regex" };
    cli.api.on('POST /event', () => {
      if (events().length <= 2) return { status: 204 };
      return new Promise<ScriptedResponse>((answer) => {
        held.push(answer);
        if (held.length === DEFAULT_MAX_IN_FLIGHT) for (const release of held) release(refusal);
      });
    });
    // Act
    const result = await sim('winston', '--count', '100', '--interval', '0', '--quiet');
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /Error: The event gateway answered 400: Field: 'url' doesn't match regex\n$/,
    );
    expect(events()).toHaveLength(2 + DEFAULT_MAX_IN_FLIGHT);
  });

  it('stops gracefully when interrupted, with exit code 130', async () => {
    saveCredentials(streamRecord());
    const interrupt = new AbortController();
    cli.api.on('POST /event', () => {
      interrupt.abort();
      return { status: 204 };
    });
    const result = await runStrm(['sim', 'run-random', 'winston', '--interval', '0', '--quiet'], {
      env: cli.env,
      interrupt: interrupt.signal,
    });
    expect(result.code).toBe(130);
    expect(events().length).toBeGreaterThan(0);
  });
});

describe('messages that say what is wrong and what to type next', () => {
  beforeEach(loggedIn);

  it('names --derived-from, not the API field, when the source stream does not exist', async () => {
    // Prepare
    cli.api.on('POST /v1/streams', {
      status: 400,
      body: { error: { code: 'invalid_request', message: "linkedStream 'wintson' does not exist" } },
    });
    // Act
    const result = await runStrm(['create', 'stream', '--derived-from', 'wintson', '--levels', '0'], {
      env: cli.env,
    });
    // Assess
    expect(result.stderr).toBe(
      'Error: Source stream wintson (--derived-from) does not exist. Create it first: ' +
        'strm create stream wintson --save (your streams: strm list streams)\n',
    );
  });

  it('never shows the API query parameter when a stream has derived streams', async () => {
    // Prepare
    cli.api.on('DELETE /v1/streams/winston', {
      status: 409,
      body: {
        error: {
          code: 'has_derived_streams',
          message: 'stream winston has derived streams (winston-0); delete them first or use ?recursive=true',
        },
      },
    });
    // Act
    const result = await runStrm(['delete', 'stream', 'winston'], { env: cli.env });
    // Assess
    expect(result.stderr).toBe(
      'Error: stream winston has derived streams (winston-0)\nTo delete them too: strm delete stream winston --recursive\n',
    );
  });

  it('starts usage errors with Error: like every other message', async () => {
    // Act
    const result = await runStrm(['list', 'streams', '--nope'], { env: cli.env });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: unknown option '--nope'/);
  });
});

describe('strm sim run-random when the stack goes away for a moment', () => {
  it('retries until the event gateway answers again, and says so once', async () => {
    // Prepare
    scriptStreamTokens({ winston: { derived: false } });
    saveCredentials(streamRecord());
    let calls = 0;
    cli.api.on('POST /event', () => (++calls <= 3 ? { status: 503, text: 'restarting' } : { status: 204 }));
    // Act
    const result = await runStrm(['sim', 'run-random', 'winston', '--count', '2', '--interval', '0'], {
      env: cli.env,
    });
    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'Cannot send events (HTTP 503); retrying until the stack answers (Ctrl-C to stop)',
    );
    expect(result.stderr.match(/Cannot send events/g)).toHaveLength(1);
    expect(result.stderr).toContain('The event gateway answers again; sending on');
    expect(result.stderr).toMatch(/Sent 2 events\n$/);
  });

  it('says "Sent 1 event"', async () => {
    // Prepare
    scriptStreamTokens({ winston: { derived: false } });
    saveCredentials(streamRecord());
    cli.api.on('POST /event', { status: 204 });
    // Act
    const result = await runStrm(['sim', 'run-random', 'winston', '--count', '1'], { env: cli.env });
    // Assess
    expect(result.stderr).toMatch(/Sent 1 event\n$/);
  });
});
