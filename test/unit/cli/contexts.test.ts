import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigFile } from '../../../cli/config';
import { contextDir } from '../../../cli/contexts';
import { loadSavedStream } from '../../../cli/saved-entities';
import { writeSavedLogin } from '../../../cli/user-session';
import { runStrm, tempConfigDir } from './run-cli';
import { fakeJwt, ScriptedApi } from './scripted-api';

/**
 * A stack as the CLI sees it: sign-in, stream creation with a secret of its own, the token endpoint that
 * accepts only that secret, and the event endpoint.
 */
class FakeStack {
  readonly api = new ScriptedApi();
  url = '';
  private readonly secrets = new Map<string, string>();

  constructor(readonly label: string) {
    this.api.on('POST /v1/streams', (request) => {
      const name = JSON.parse(request.body).name as string;
      const credentials = { clientId: `${label}-cid-${name}`, clientSecret: `${label}-secret-${name}` };
      this.secrets.set(credentials.clientId, credentials.clientSecret);
      return { status: 201, body: { stream: { name, enabled: true }, credentials } };
    });
    this.api.on('POST /auth/token', (request) => {
      const form = new URLSearchParams(request.body);
      const clientId = form.get('client_id') ?? '';
      if (this.secrets.get(clientId) !== form.get('client_secret')) {
        return {
          status: 401,
          body: { error: 'invalid_client', error_description: 'unknown client or wrong secret' },
        };
      }
      const stream = clientId.replace(`${label}-cid-`, '');
      return {
        status: 200,
        body: { access_token: fakeJwt({ stream, derived: false }), token_type: 'Bearer', expires_in: 900 },
      };
    });
    this.api.on('POST /event', { status: 204 });
  }

  async start(): Promise<void> {
    this.url = await this.api.start();
  }

  events(): number {
    return this.api.requestsTo('POST /event').length;
  }
}

let dir: string;
let local: FakeStack;
let deployed: FakeStack;

function logIn(context: string, apiUrl: string): void {
  writeSavedLogin(contextDir(dir, context), {
    email: 'you@example.com',
    accountId: `acc-${context}`,
    apiUrl,
    accessToken: `token-${context}`,
    refreshToken: `refresh-${context}`,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  });
}

beforeEach(async () => {
  dir = tempConfigDir();
  local = new FakeStack('local');
  deployed = new FakeStack('deployed');
  await Promise.all([local.start(), deployed.start()]);
});
afterEach(async () => {
  await Promise.all([local.api.close(), deployed.api.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The CLI with the local context pointed at the first fake stack (as `npm start` on another port would). */
const strm = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  runStrm(args, { env: { STRM_CONFIG_PATH: dir, ...extra } });

async function addDeployedContext(): Promise<void> {
  const result = await strm(['context', 'add', 'prod', '--api-url', deployed.url]);
  expect(result.code).toBe(0);
}

describe('contexts: one per stack', () => {
  it('keep a stream of the same name on two stacks apart, and both keep working', async () => {
    // Prepare
    await addDeployedContext();
    logIn('prod', deployed.url);
    logIn('local', local.url);
    const onLocal = { STRM_API_URL: local.url, STRM_CONTEXT: 'local' };
    // Act
    const createdDeployed = await strm(['create', 'stream', 'winston', '--save']);
    const createdLocal = await strm(['create', 'stream', 'winston', '--save'], onLocal);
    const simDeployed = await strm([
      'sim',
      'run-random',
      'winston',
      '--count',
      '2',
      '--interval',
      '0',
      '--quiet',
    ]);
    const simLocal = await strm(
      ['sim', 'run-random', 'winston', '--count', '3', '--interval', '0', '--quiet'],
      onLocal,
    );
    // Assess
    expect([createdDeployed.code, createdLocal.code, simDeployed.code, simLocal.code]).toEqual([0, 0, 0, 0]);
    expect(deployed.events()).toBe(2);
    expect(local.events()).toBe(3);
    expect(loadSavedStream(contextDir(dir, 'prod'), 'winston')?.credentials.clientSecret).toBe(
      'deployed-secret-winston',
    );
    expect(loadSavedStream(contextDir(dir, 'local'), 'winston')?.credentials.clientSecret).toBe(
      'local-secret-winston',
    );
  });

  it('are chosen by --context over STRM_CONTEXT over the current one', async () => {
    // Prepare
    await addDeployedContext();
    // Act
    const current = await strm(['context', 'show', '-o', 'json']);
    const fromEnv = await strm(['context', 'show', '-o', 'json'], { STRM_CONTEXT: 'local' });
    const fromFlag = await strm(['--context', 'prod', 'context', 'show', '-o', 'json'], {
      STRM_CONTEXT: 'local',
    });
    // Assess
    expect(JSON.parse(current.stdout)).toMatchObject({ context: 'prod', contextSource: 'config file' });
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({
      context: 'local',
      contextSource: 'env',
      apiUrl: 'http://127.0.0.1:8080',
    });
    expect(JSON.parse(fromFlag.stdout)).toMatchObject({
      context: 'prod',
      contextSource: 'flag',
      apiUrl: deployed.url,
    });
  });

  it('switch back to the local stack with context use local', async () => {
    // Prepare
    await addDeployedContext();
    // Act
    const switched = await strm(['context', 'use', 'local']);
    const shown = await strm(['context', 'show', '-o', 'json']);
    // Assess
    expect(switched).toMatchObject({
      code: 0,
      stdout: 'Switched to context local (http://127.0.0.1:8080)\n',
    });
    expect(JSON.parse(shown.stdout).apiUrl).toBe('http://127.0.0.1:8080');
  });

  it('are listed with the current one marked and who is logged in', async () => {
    // Prepare
    await addDeployedContext();
    logIn('prod', deployed.url);
    // Act
    const listed = await strm(['context', 'list']);
    // Assess
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CURRENT\s+NAME\s+API URL\s+LOGGED IN AS$/);
    expect(lines[1]).toMatch(/^\s+local\s+http:\/\/127\.0\.0\.1:8080$/);
    expect(lines[2]).toMatch(new RegExp(`^\\*\\s+prod\\s+${deployed.url}\\s+you@example\\.com$`));
  });

  it('name the choices when a context does not exist', async () => {
    // Act
    const result = await strm(['list', 'streams'], { STRM_CONTEXT: 'staging' });
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "Error: No context named 'staging' (from STRM_CONTEXT). Contexts: local. " +
        'Add one for a deployed stack with: strm context import --outputs-file cdk-outputs.json\n',
    );
  });

  it('refuse to replace saved credentials issued by another stack reached with --api-url, before creating', async () => {
    // Prepare
    logIn('local', local.url);
    logIn('local', deployed.url);
    await strm(['create', 'stream', 'winston', '--save'], { STRM_API_URL: local.url });
    // Act
    const result = await strm(['create', 'stream', 'winston', '--save', '--api-url', deployed.url]);
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `Context local already holds saved credentials of stream winston from ${local.url}, and this command talks to ${deployed.url}.`,
    );
    expect(result.stderr).toContain(`strm context add <name> --api-url ${deployed.url}`);
    expect(deployed.api.requestsTo('POST /v1/streams')).toHaveLength(0);
    expect(loadSavedStream(contextDir(dir, 'local'), 'winston')?.apiUrl).toBe(local.url);
  });

  it('refuse the name local and bad names for added contexts', async () => {
    // Act
    const local_ = await strm(['context', 'add', 'local', '--api-url', deployed.url]);
    const bad = await strm(['context', 'add', '../x', '--api-url', deployed.url]);
    // Assess
    expect(local_.stderr).toMatch(/^Error: 'local' is the built-in context/);
    expect(bad.stderr).toMatch(/^Error: Invalid context name '\.\.\/x'/);
    expect(readConfigFile(dir).contexts ?? {}).toEqual({});
  });

  it('are deleted only with --force while they hold saved stream secrets', async () => {
    // Prepare
    await addDeployedContext();
    logIn('prod', deployed.url);
    await strm(['create', 'stream', 'winston', '--save']);
    // Act
    const refused = await strm(['context', 'delete', 'prod']);
    const forced = await strm(['context', 'delete', 'prod', '--force']);
    const shown = await strm(['context', 'show', '-o', 'json']);
    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('holds the saved credentials of 1 stream');
    expect(forced.code).toBe(0);
    expect(fs.existsSync(contextDir(dir, 'prod'))).toBe(false);
    expect(JSON.parse(shown.stdout).context).toBe('local');
  });

  it('are deleted after their saved login is logged out on the server', async () => {
    // Prepare
    await addDeployedContext();
    logIn('prod', deployed.url);
    deployed.api.on('POST /v1/auth/logout', { status: 204 });
    // Act
    const result = await strm(['context', 'delete', 'prod']);
    // Assess
    expect(result).toMatchObject({ code: 0, stdout: 'Deleted context prod\n' });
    const logouts = deployed.api.requestsTo('POST /v1/auth/logout');
    expect(logouts.map((request) => JSON.parse(request.body))).toEqual([{ refreshToken: 'refresh-prod' }]);
    expect(fs.existsSync(contextDir(dir, 'prod'))).toBe(false);
  });

  it('are kept while a saved login cannot be logged out on the server, and go with --force', async () => {
    // Prepare
    await addDeployedContext();
    logIn('prod', deployed.url);
    deployed.api.on('POST /v1/auth/logout', {
      status: 503,
      body: { error: { code: 'unavailable', message: 'try later' } },
    });
    // Act
    const refused = await strm(['context', 'delete', 'prod']);
    const keptDir = fs.existsSync(contextDir(dir, 'prod'));
    const forced = await strm(['context', 'delete', 'prod', '--force']);
    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`Could not log you@example.com out at ${deployed.url}`);
    expect(refused.stderr).toContain('strm context delete prod --force');
    expect(keptDir).toBe(true);
    expect(forced.code).toBe(0);
    expect(fs.existsSync(contextDir(dir, 'prod'))).toBe(false);
  });

  it('keep logins, so context import can be repeated for a redeployed stack', async () => {
    // Prepare
    const outputs = path.join(dir, 'cdk-outputs.json');
    fs.writeFileSync(outputs, JSON.stringify({ 'my-stack': { HttpApiUrl: deployed.url } }));
    await strm(['context', 'import', '--outputs-file', outputs]);
    logIn('my-stack', deployed.url);
    // Act
    const again = await strm(['context', 'import', '--outputs-file', outputs]);
    const shown = await strm(['auth', 'show', '-o', 'json']);
    // Assess
    expect(again.stdout).toMatch(/^Updated context my-stack and switched to it\./);
    expect(JSON.parse(shown.stdout)).toMatchObject({ email: 'you@example.com', context: 'my-stack' });
  });
});
