import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where the CLI talks to when nothing else is configured: the local stack (`npm start`). */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** The stack a context talks to (what `strm context import` reads from the CDK outputs). */
export interface ContextSettings {
  apiUrl?: string;
  wsUrl?: string;
  region?: string;
  bootstrapSecretArn?: string;
  stack?: string;
}

const CONTEXT_SETTING_KEYS = ['apiUrl', 'wsUrl', 'region', 'bootstrapSecretArn', 'stack'] as const;

/** `<config>/config.json`: the current context and the contexts added by `strm context import|add`. */
export interface ConfigFile {
  currentContext?: string;
  contexts?: Record<string, ContextSettings>;
}

export type SettingSource = 'flag' | 'env' | 'config file' | 'default';

export interface Endpoints {
  apiUrl: string;
  wsUrl: string;
  apiUrlSource: SettingSource;
  wsUrlSource: SettingSource | 'derived from the API URL';
}

/** The config directory: `STRM_CONFIG_PATH`, else `~/.config/privacy-streams`. */
export function configDir(env: NodeJS.ProcessEnv): string {
  const override = env.STRM_CONFIG_PATH;
  if (override && override.trim() !== '') return path.resolve(override);
  return path.join(os.homedir(), '.config', 'privacy-streams');
}

export function configFilePath(dir: string): string {
  return path.join(dir, 'config.json');
}

/** Reads `<config>/config.json`; a missing file is an empty config, a corrupt one an error. */
export function readConfigFile(dir: string): ConfigFile {
  const file = configFilePath(dir);
  const parsed = readJsonIfExists(file);
  if (parsed === undefined) return {};
  if (!isPlainObject(parsed)) throw new Error(`${file} must contain a JSON object`);
  const result: ConfigFile = {};
  if (typeof parsed.currentContext === 'string' && parsed.currentContext !== '') {
    result.currentContext = parsed.currentContext;
  }
  if (isPlainObject(parsed.contexts)) {
    result.contexts = {};
    for (const [name, settings] of Object.entries(parsed.contexts)) {
      if (isPlainObject(settings)) result.contexts[name] = contextSettingsOf(settings);
    }
  }
  return result;
}

/** The known string settings of an object (unknown keys and non-strings are dropped). */
export function contextSettingsOf(value: Record<string, unknown>): ContextSettings {
  const settings: ContextSettings = {};
  for (const key of CONTEXT_SETTING_KEYS) {
    const setting = value[key];
    if (typeof setting === 'string' && setting !== '') settings[key] = setting;
  }
  return settings;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function writeConfigFile(dir: string, config: ConfigFile): void {
  ensurePrivateDir(dir);
  writePrivateFile(configFilePath(dir), `${JSON.stringify(config, null, 2)}\n`);
}

/** Creates a directory (and parents) readable only by the user. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Writes a file readable only by the user, also when it existed before with a wider mode. */
export function writePrivateFile(file: string, content: string): void {
  // Write a fresh 0600 file and rename it over the old one, so the secret is never readable through an
  // existing file's wider mode, and a crash never leaves half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

/** A JSON file's parsed content, or undefined when the file does not exist. */
export function readJsonIfExists(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text);
}

/** The first value that is set, in precedence order flag > env > config file > default. */
export function resolveSetting(
  flag: string | undefined,
  envValue: string | undefined,
  fileValue: string | undefined,
  fallback: string,
): { value: string; source: SettingSource } {
  if (nonEmpty(flag)) return { value: flag, source: 'flag' };
  if (nonEmpty(envValue)) return { value: envValue, source: 'env' };
  if (nonEmpty(fileValue)) return { value: fileValue, source: 'config file' };
  return { value: fallback, source: 'default' };
}

/** `http://h:p` → `ws://h:p/ws`, `https://h` → `wss://h/ws`. */
export function deriveWsUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ws`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/**
 * The effective API and WebSocket URLs. Each follows flag > env > context (config file) > default. A
 * WebSocket URL from the context belongs to the API URL stored with it, so when the API URL comes from a flag or
 * the environment and no WebSocket URL is given at that level, the WebSocket URL is derived from it.
 */
export function resolveEndpoints(
  flags: { apiUrl?: string; wsUrl?: string },
  env: NodeJS.ProcessEnv,
  file: ContextSettings,
): Endpoints {
  const api = resolveSetting(flags.apiUrl, env.STRM_API_URL, file.apiUrl, DEFAULT_API_URL);
  const apiUrl = normaliseHttpUrl(api.value, 'API URL');
  const ws = resolveSetting(flags.wsUrl, env.STRM_WS_URL, file.wsUrl, '');
  const useWs =
    ws.source === 'flag' ||
    ws.source === 'env' ||
    (ws.source === 'config file' && api.source !== 'flag' && api.source !== 'env');
  if (useWs) {
    return { apiUrl, wsUrl: normaliseWsUrl(ws.value), apiUrlSource: api.source, wsUrlSource: ws.source };
  }
  return {
    apiUrl,
    wsUrl: deriveWsUrl(apiUrl),
    apiUrlSource: api.source,
    wsUrlSource: 'derived from the API URL',
  };
}

/** Validates an http(s) URL and drops a trailing slash so paths can be appended. */
export function normaliseHttpUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`Invalid ${what} '${value}': expected http://host[:port] or https://host`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Invalid ${what} '${value}': expected an http or https URL`);
  }
  return value.replace(/\/+$/, '');
}

function normaliseWsUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`Invalid WebSocket URL '${value}': expected ws://host[:port]/ws or wss://host/…`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`Invalid WebSocket URL '${value}': expected a ws or wss URL`);
  }
  return value;
}

/** The login token file for an API: `<config>/credentials-<host>.json` (host with port, file-name safe). */
export function userCredentialsPath(dir: string, apiUrl: string): string {
  const host = new URL(apiUrl).host.replace(/[^A-Za-z0-9.-]/g, '_');
  return path.join(dir, `credentials-${host}.json`);
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}
