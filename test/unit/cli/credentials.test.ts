import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSavedStream, saveStream } from '../../../cli/saved-entities';
import { localContextDir, runStrm } from './run-cli';
import { fakeJwt } from './scripted-api';
import { scriptedCli } from './scripted-cli';

/**
 * `strm create|delete credentials` against a scripted API that keeps the credentials of stream winston
 * as the server contract says: created ones work at once, deleted ones stop working at once.
 */
const cli = scriptedCli({ signedIn: true });
let secrets: Map<string, string>;
let issued: number;

beforeEach(() => {
  secrets = new Map([['cid-1', 'secret-1']]);
  issued = 1;
  cli.api.on('POST /v1/streams/winston/credentials', () => {
    issued += 1;
    const credentials = { clientId: `cid-${issued}`, clientSecret: `secret-${issued}` };
    secrets.set(credentials.clientId, credentials.clientSecret);
    const stream = {
      name: 'winston',
      enabled: true,
      credentials: [...secrets.keys()].map((clientId) => ({ clientId })),
    };
    return { status: 201, body: { stream, credentials } };
  });
  cli.api.on('POST /auth/token', (request) => {
    const form = new URLSearchParams(request.body);
    if (secrets.get(form.get('client_id') ?? '') !== form.get('client_secret')) {
      return {
        status: 401,
        body: { error: 'invalid_client', error_description: 'unknown client or wrong secret' },
      };
    }
    return {
      status: 200,
      body: {
        access_token: fakeJwt({ stream: 'winston', derived: false }),
        token_type: 'Bearer',
        expires_in: 900,
      },
    };
  });
  cli.api.on('POST /event', { status: 204 });
  for (const clientId of ['cid-1', 'cid-2', 'cid-3']) {
    cli.api.on(`DELETE /v1/streams/winston/credentials/${clientId}`, () =>
      secrets.delete(clientId)
        ? { status: 204 }
        : {
            status: 404,
            body: { error: { code: 'not_found', message: 'no such client id of stream winston' } },
          },
    );
  }
  saveStream(localContextDir(cli.dir), {
    stream: { name: 'winston' },
    credentials: { clientId: 'cid-1', clientSecret: 'secret-1' },
    apiUrl: cli.apiUrl,
  });
});

const sim = () => runStrm(['sim', 'run-random', 'winston', '--count', '1', '--quiet'], { env: cli.env });
const simWith = (clientId: string, clientSecret: string) =>
  runStrm(
    [
      'sim',
      'run-random',
      'winston',
      '--count',
      '1',
      '--quiet',
      '--client-id',
      clientId,
      '--client-secret',
      clientSecret,
    ],
    { env: cli.env },
  );

describe('strm create credentials', () => {
  it('prints a new client id and secret once, with the user token', async () => {
    // Act
    const result = await runStrm(['create', 'credentials', 'winston'], { env: cli.env });
    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^client id:\s+cid-2$/m);
    expect(result.stdout).toMatch(/^client secret:\s+secret-2$/m);
    expect(result.stdout).toContain('shown only once');
    expect(cli.api.requestsTo('POST /v1/streams/winston/credentials')[0].headers.authorization).toBe(
      'Bearer user-access',
    );
    expect(loadSavedStream(localContextDir(cli.dir), 'winston')?.credentials.clientId).toBe('cid-1');
  });

  it('with --save makes sim and egress use the new credentials', async () => {
    // Act
    const created = await runStrm(['create', 'credentials', 'winston', '--save'], { env: cli.env });
    const simulated = await sim();
    // Assess
    expect(created.code).toBe(0);
    expect(loadSavedStream(localContextDir(cli.dir), 'winston')).toMatchObject({
      credentials: { clientId: 'cid-2', clientSecret: 'secret-2' },
      apiUrl: cli.apiUrl,
    });
    expect(simulated.code).toBe(0);
    expect(new URLSearchParams(cli.api.requestsTo('POST /auth/token')[0].body).get('client_id')).toBe(
      'cid-2',
    );
  });

  it('still prints the one-time secret, and exits 1, when --save cannot write the file', async () => {
    // Prepare: the saved stream's file is a directory, so it cannot be replaced
    const file = path.join(localContextDir(cli.dir), 'saved-entities', 'Stream', 'winston.json');
    fs.rmSync(file);
    fs.mkdirSync(path.join(file, 'in-the-way'), { recursive: true });
    // Act
    const result = await runStrm(['create', 'credentials', 'winston', '--save'], { env: cli.env });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^client secret:\s+secret-2$/m);
    expect(result.stderr).toMatch(/^Error: The credentials were created, but could not be saved \(/);
    expect(result.stderr).toMatch(/Keep the client secret printed above: it is not shown again\.\n$/);
  });

  it('says when the stack predates the credentials API', async () => {
    // Prepare
    cli.api.on('POST /v1/streams/winston/credentials', {
      status: 404,
      body: { error: { code: 'route_not_found', message: 'no such route' } },
    });
    // Act
    const result = await runStrm(['create', 'credentials', 'winston'], { env: cli.env });
    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr: `Error: The stack at ${cli.apiUrl} cannot manage credentials yet: update and redeploy it (or restart npm start)\n`,
    });
  });
});

describe('rotating credentials', () => {
  it('keeps the old secret working until it is deleted, then only the new one works', async () => {
    // Prepare
    await runStrm(['create', 'credentials', 'winston', '--save'], { env: cli.env });
    const oldBefore = await simWith('cid-1', 'secret-1');
    // Act
    const deleted = await runStrm(['delete', 'credentials', 'winston', 'cid-1'], { env: cli.env });
    const oldAfter = await simWith('cid-1', 'secret-1');
    const saved = await sim();
    // Assess
    expect(oldBefore.code).toBe(0);
    expect(deleted).toMatchObject({
      code: 0,
      stdout: 'Deleted client id cid-1 of stream winston: it no longer works.\n',
    });
    expect(oldAfter.code).toBe(1);
    expect(oldAfter.stderr).toContain('The client id/secret for stream winston were rejected');
    expect(saved.code).toBe(0);
  });

  it('forgets the saved credentials when they are the ones deleted, and says how to get new ones', async () => {
    // Act
    const result = await runStrm(['delete', 'credentials', 'winston', 'cid-1'], { env: cli.env });
    // Assess
    expect(result.stdout).toContain(
      'They were the saved credentials of winston, so those are gone too. New ones: strm create credentials winston --save',
    );
    expect(loadSavedStream(localContextDir(cli.dir), 'winston')).toBeUndefined();
  });

  it('prints the 404 of an unknown client id and keeps the saved credentials', async () => {
    // Act
    const result = await runStrm(['delete', 'credentials', 'winston', 'cid-3'], { env: cli.env });
    // Assess
    expect(result).toMatchObject({ code: 1, stderr: 'Error: no such client id of stream winston\n' });
    expect(loadSavedStream(localContextDir(cli.dir), 'winston')?.credentials.clientId).toBe('cid-1');
  });
});
