import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  configDir,
  deriveWsUrl,
  readConfigFile,
  resolveEndpoints,
  resolveSetting,
  userCredentialsPath,
  writeConfigFile,
} from '../../../cli/config';
import { saveContext, useContext } from '../../../cli/contexts';
import { runStrm, tempConfigDir } from './run-cli';

describe('setting precedence: flag > env > config file > default', () => {
  it('takes the flag over everything else', () => {
    expect(resolveSetting('http://flag', 'http://env', 'http://file', 'http://default')).toEqual({
      value: 'http://flag',
      source: 'flag',
    });
  });

  it('takes the environment when there is no flag', () => {
    expect(resolveSetting(undefined, 'http://env', 'http://file', 'http://default').source).toBe('env');
  });

  it('takes the config file when neither flag nor environment is set', () => {
    expect(resolveSetting(undefined, undefined, 'http://file', 'http://default').source).toBe('config file');
  });

  it('falls back to the default, treating empty strings as unset', () => {
    expect(resolveSetting('', '  ', undefined, 'http://default')).toEqual({
      value: 'http://default',
      source: 'default',
    });
  });
});

describe('API and WebSocket URLs', () => {
  it('default to the local stack, the WebSocket URL derived with /ws', () => {
    const endpoints = resolveEndpoints({}, {}, {});
    expect(endpoints.apiUrl).toBe('http://127.0.0.1:8080');
    expect(endpoints.wsUrl).toBe('ws://127.0.0.1:8080/ws');
  });

  it('derive wss from https and keep a base path', () => {
    expect(deriveWsUrl('https://api.example.com/prod/')).toBe('wss://api.example.com/prod/ws');
  });

  it('use STRM_API_URL and STRM_WS_URL from the environment', () => {
    const endpoints = resolveEndpoints(
      {},
      { STRM_API_URL: 'http://10.0.0.1:9000', STRM_WS_URL: 'ws://10.0.0.2:9001/ws' },
      { apiUrl: 'https://file.example.com', wsUrl: 'wss://file.example.com/ws' },
    );
    expect(endpoints).toMatchObject({ apiUrl: 'http://10.0.0.1:9000', wsUrl: 'ws://10.0.0.2:9001/ws' });
  });

  it('use both URLs of the config file when nothing overrides them', () => {
    const endpoints = resolveEndpoints(
      {},
      {},
      {
        apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/',
        wsUrl: 'wss://def.execute-api.eu-west-1.amazonaws.com/prod',
      },
    );
    expect(endpoints.apiUrl).toBe('https://abc.execute-api.eu-west-1.amazonaws.com');
    expect(endpoints.wsUrl).toBe('wss://def.execute-api.eu-west-1.amazonaws.com/prod');
    expect(endpoints.wsUrlSource).toBe('config file');
  });

  it('derive the WebSocket URL from a flag API URL rather than pairing it with the file WebSocket URL', () => {
    const endpoints = resolveEndpoints(
      { apiUrl: 'http://127.0.0.1:9999' },
      {},
      { apiUrl: 'https://deployed.example.com', wsUrl: 'wss://deployed-ws.example.com/prod' },
    );
    expect(endpoints.wsUrl).toBe('ws://127.0.0.1:9999/ws');
  });

  it('let the --ws-url flag win over the environment', () => {
    const endpoints = resolveEndpoints({ wsUrl: 'ws://flag/ws' }, { STRM_WS_URL: 'ws://env/ws' }, {});
    expect(endpoints.wsUrl).toBe('ws://flag/ws');
  });

  it('reject a URL that is not http(s)', () => {
    expect(() => resolveEndpoints({ apiUrl: 'ftp://x' }, {}, {})).toThrow(/Invalid API URL/);
  });
});

describe('config directory and files', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempConfigDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is STRM_CONFIG_PATH when set, else ~/.config/privacy-streams', () => {
    expect(configDir({ STRM_CONFIG_PATH: dir })).toBe(dir);
    expect(configDir({})).toBe(path.join(os.homedir(), '.config', 'privacy-streams'));
  });

  it('round-trips config.json with mode 0600', () => {
    writeConfigFile(dir, {
      currentContext: 'prod',
      contexts: { prod: { apiUrl: 'https://a.example.com', wsUrl: 'wss://b.example.com/prod' } },
    });
    expect(readConfigFile(dir).contexts?.prod).toEqual({
      apiUrl: 'https://a.example.com',
      wsUrl: 'wss://b.example.com/prod',
    });
    expect(fs.statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);
  });

  it('reads a missing config.json as empty', () => {
    expect(readConfigFile(path.join(dir, 'nowhere'))).toEqual({});
  });

  it('names the login file after the API host and port', () => {
    expect(userCredentialsPath(dir, 'http://127.0.0.1:8080')).toBe(
      path.join(dir, 'credentials-127.0.0.1_8080.json'),
    );
  });

  it('applies the precedence in the CLI: context show reports flag over env over file', async () => {
    saveContext(dir, 'deployed', { apiUrl: 'https://file.example.com' });
    useContext(dir, 'deployed');
    const env = { STRM_CONFIG_PATH: dir };
    const fromFile = await runStrm(['context', 'show', '-o', 'json'], { env });
    expect(JSON.parse(fromFile.stdout)).toMatchObject({
      apiUrl: 'https://file.example.com',
      apiUrlSource: 'config file',
    });
    const fromEnv = await runStrm(['context', 'show', '-o', 'json'], {
      env: { ...env, STRM_API_URL: 'http://env.example.com:81' },
    });
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({
      apiUrl: 'http://env.example.com:81',
      apiUrlSource: 'env',
    });
    const fromFlag = await runStrm(
      ['context', 'show', '-o', 'json', '--api-url', 'http://flag.example.com'],
      {
        env: { ...env, STRM_API_URL: 'http://env.example.com:81' },
      },
    );
    expect(JSON.parse(fromFlag.stdout)).toMatchObject({
      apiUrl: 'http://flag.example.com',
      apiUrlSource: 'flag',
      wsUrl: 'ws://flag.example.com/ws',
    });
  });
});
