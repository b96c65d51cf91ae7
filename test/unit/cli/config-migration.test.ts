import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigFile, userCredentialsPath } from '../../../cli/config';
import { migrateLegacyLayout } from '../../../cli/config-migration';
import { contextDir } from '../../../cli/contexts';
import { runStrm, tempConfigDir } from './run-cli';
import { fakeJwt, ScriptedApi } from './scripted-api';

/** Files as CLI versions without contexts wrote them, directly in the config directory. */
function legacyLogin(dir: string, apiUrl: string, accountId: string): string {
  const file = userCredentialsPath(dir, apiUrl);
  const login = {
    email: 'you@example.com',
    accountId,
    apiUrl,
    accessToken: `token-${accountId}`,
    refreshToken: `refresh-${accountId}`,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
  fs.writeFileSync(file, JSON.stringify(login), { mode: 0o600 });
  return JSON.stringify(login);
}

function legacySavedStream(dir: string, name: string, accountId: string): string {
  const folder = path.join(dir, 'saved-entities', 'Stream');
  fs.mkdirSync(folder, { recursive: true });
  const content = JSON.stringify({
    stream: { name, accountId },
    credentials: { clientId: `cid-${name}`, clientSecret: `secret-${name}` },
  });
  fs.writeFileSync(path.join(folder, `${name}.json`), content, { mode: 0o600 });
  return content;
}

const savedIn = (dir: string, context: string, name: string) =>
  path.join(contextDir(dir, context), 'saved-entities', 'Stream', `${name}.json`);

let dir: string;
beforeEach(() => {
  dir = tempConfigDir();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('moving the layout without contexts into contexts', () => {
  it('moves saved streams and the local login into local, byte for byte', () => {
    // Prepare
    const login = legacyLogin(dir, 'http://127.0.0.1:8080', 'acc-1');
    const winston = legacySavedStream(dir, 'winston', 'acc-1');
    const derived = legacySavedStream(dir, 'winston-0', 'acc-1');
    // Act
    const report = migrateLegacyLayout(dir);
    // Assess
    expect(report).toEqual({ moved: { local: 3 }, kept: [] });
    expect(fs.readFileSync(savedIn(dir, 'local', 'winston'), 'utf8')).toBe(winston);
    expect(fs.readFileSync(savedIn(dir, 'local', 'winston-0'), 'utf8')).toBe(derived);
    expect(
      fs.readFileSync(userCredentialsPath(contextDir(dir, 'local'), 'http://127.0.0.1:8080'), 'utf8'),
    ).toBe(login);
    expect(fs.existsSync(path.join(dir, 'saved-entities'))).toBe(false);
  });

  it('turns an imported stack of config.json into a current context with its own login and streams', () => {
    // Prepare
    const deployedUrl = 'https://abc.execute-api.eu-west-1.amazonaws.com';
    fs.writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({ stack: 'privacy-streams', apiUrl: deployedUrl, region: 'eu-west-1' }),
    );
    legacyLogin(dir, deployedUrl, 'acc-cloud');
    legacyLogin(dir, 'http://127.0.0.1:8080', 'acc-local');
    legacySavedStream(dir, 'cloud-stream', 'acc-cloud');
    legacySavedStream(dir, 'local-stream', 'acc-local');
    // Act
    migrateLegacyLayout(dir);
    // Assess
    expect(readConfigFile(dir)).toEqual({
      currentContext: 'privacy-streams',
      contexts: { 'privacy-streams': { stack: 'privacy-streams', apiUrl: deployedUrl, region: 'eu-west-1' } },
    });
    expect(fs.existsSync(savedIn(dir, 'privacy-streams', 'cloud-stream'))).toBe(true);
    expect(fs.existsSync(savedIn(dir, 'local', 'local-stream'))).toBe(true);
    expect(fs.existsSync(userCredentialsPath(contextDir(dir, 'privacy-streams'), deployedUrl))).toBe(true);
  });

  it('leaves a file where it is when its new place is taken, losing nothing', () => {
    // Prepare
    const legacy = legacySavedStream(dir, 'winston', 'acc-1');
    fs.mkdirSync(path.dirname(savedIn(dir, 'local', 'winston')), { recursive: true });
    fs.writeFileSync(savedIn(dir, 'local', 'winston'), 'the newer one');
    // Act
    const report = migrateLegacyLayout(dir);
    // Assess
    expect(report?.kept).toEqual([path.join(dir, 'saved-entities', 'Stream', 'winston.json')]);
    expect(fs.readFileSync(path.join(dir, 'saved-entities', 'Stream', 'winston.json'), 'utf8')).toBe(legacy);
    expect(fs.readFileSync(savedIn(dir, 'local', 'winston'), 'utf8')).toBe('the newer one');
  });

  it('does nothing in a config directory of this version', () => {
    expect(migrateLegacyLayout(dir)).toBeUndefined();
  });

  it('happens on the first command, which then uses the moved credentials', async () => {
    // Prepare
    const api = new ScriptedApi();
    const apiUrl = await api.start();
    try {
      api.on('POST /auth/token', {
        status: 200,
        body: { access_token: fakeJwt({ stream: 'winston' }), token_type: 'Bearer', expires_in: 900 },
      });
      api.on('POST /event', { status: 204 });
      legacySavedStream(dir, 'winston', 'acc-1');
      // Act
      const result = await runStrm(['sim', 'run-random', 'winston', '--count', '1', '--quiet'], {
        env: { STRM_CONFIG_PATH: dir, STRM_API_URL: apiUrl },
      });
      // Assess
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('Moved saved logins and streams (1 file into context local)');
      expect(new URLSearchParams(api.requestsTo('POST /auth/token')[0].body).get('client_secret')).toBe(
        'secret-winston',
      );
    } finally {
      await api.close();
    }
  });
});
