import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type ConfigFile,
  type ContextSettings,
  configFilePath,
  contextSettingsOf,
  DEFAULT_API_URL,
  ensurePrivateDir,
  isPlainObject,
  readConfigFile,
  readJsonIfExists,
  writeConfigFile,
} from './config';
import { contextDir, LOCAL_CONTEXT } from './contexts';

/**
 * Moves the layout of CLI versions without contexts into contexts, once, without losing anything:
 * - a `config.json` with a stack's URLs at the top level (the old `context import`) becomes a context
 *   named after its stack, and stays the current one, so the CLI keeps talking to the same stack;
 * - `credentials-<host>.json` logins move to the context whose API URL they belong to, else to `local`;
 * - `saved-entities/<Kind>/<name>.json` move to the context of the login with the same account id, else
 *   to `local`.
 * Files are renamed, never rewritten or deleted; a file whose new place is taken stays where it is.
 */

export interface MigrationReport {
  /** Files moved, by context. */
  moved: Record<string, number>;
  /** Legacy files left in place because their new place was taken. */
  kept: string[];
}

const LEGACY_LOGIN = /^credentials-.+\.json$/;
const LEGACY_ENTITIES = 'saved-entities';

/** Runs the migration when the config directory has a legacy layout; undefined when there was nothing to do. */
export function migrateLegacyLayout(configDir: string): MigrationReport | undefined {
  const entries = safeReaddir(configDir);
  const logins = entries.filter((name) => LEGACY_LOGIN.test(name));
  const hasEntities = entries.includes(LEGACY_ENTITIES);
  const legacyConfig = legacyContextSettings(configDir);
  if (logins.length === 0 && !hasEntities && legacyConfig === undefined) return undefined;

  const config =
    legacyConfig === undefined ? readConfigFile(configDir) : convertConfig(configDir, legacyConfig);
  const report: MigrationReport = { moved: {}, kept: [] };
  const contextOfAccount = new Map<string, string>();
  for (const file of logins) {
    const login = readJsonIfExists(path.join(configDir, file));
    const apiUrl = isPlainObject(login) && typeof login.apiUrl === 'string' ? login.apiUrl : undefined;
    const target = contextOfApiUrl(config, apiUrl);
    if (moveInto(report, path.join(configDir, file), contextDir(configDir, target), target)) {
      if (isPlainObject(login) && typeof login.accountId === 'string')
        contextOfAccount.set(login.accountId, target);
    }
  }
  if (hasEntities) moveSavedEntities(configDir, contextOfAccount, report);
  return report;
}

/** The stack settings of an old top-level `config.json`, if it is one. */
function legacyContextSettings(configDir: string): ContextSettings | undefined {
  const raw = readJsonIfExists(configFilePath(configDir));
  if (!isPlainObject(raw) || typeof raw.apiUrl !== 'string') return undefined;
  return contextSettingsOf(raw);
}

/** Rewrites an old config.json as contexts; a stack other than the local default becomes current. */
function convertConfig(configDir: string, legacy: ContextSettings): ConfigFile {
  const config = readConfigFile(configDir);
  if (legacy.apiUrl === undefined || sameUrl(legacy.apiUrl, DEFAULT_API_URL)) {
    writeConfigFile(configDir, config);
    return config;
  }
  const name = legacyContextName(legacy.stack);
  const converted: ConfigFile = {
    ...config,
    currentContext: config.currentContext ?? name,
    contexts: { ...(config.contexts ?? {}), [name]: legacy },
  };
  writeConfigFile(configDir, converted);
  return converted;
}

function legacyContextName(stack: string | undefined): string {
  const candidate = (stack ?? '')
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 63);
  return candidate === '' || candidate === LOCAL_CONTEXT ? 'imported' : candidate;
}

function contextOfApiUrl(config: ConfigFile, apiUrl: string | undefined): string {
  if (apiUrl === undefined) return LOCAL_CONTEXT;
  const match = Object.entries(config.contexts ?? {}).find(
    ([, settings]) => settings.apiUrl !== undefined && sameUrl(settings.apiUrl, apiUrl),
  );
  return match ? match[0] : LOCAL_CONTEXT;
}

function moveSavedEntities(
  configDir: string,
  contextOfAccount: Map<string, string>,
  report: MigrationReport,
) {
  const root = path.join(configDir, LEGACY_ENTITIES);
  for (const kind of safeReaddir(root)) {
    for (const file of safeReaddir(path.join(root, kind))) {
      const from = path.join(root, kind, file);
      const saved = readJsonSafely(from);
      const accountId =
        isPlainObject(saved) && isPlainObject(saved.stream) && typeof saved.stream.accountId === 'string'
          ? saved.stream.accountId
          : undefined;
      const target = (accountId !== undefined && contextOfAccount.get(accountId)) || LOCAL_CONTEXT;
      moveInto(report, from, path.join(contextDir(configDir, target), LEGACY_ENTITIES, kind), target);
    }
    removeIfEmpty(path.join(root, kind));
  }
  removeIfEmpty(root);
}

/** Renames `file` into `dir` unless a file of that name is there already; true when it moved. */
function moveInto(report: MigrationReport, file: string, dir: string, context: string): boolean {
  const target = path.join(dir, path.basename(file));
  if (fs.existsSync(target)) {
    report.kept.push(file);
    return false;
  }
  ensurePrivateDir(dir);
  try {
    fs.renameSync(file, target);
  } catch (error) {
    // Another strm process migrated it at the same moment.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  report.moved[context] = (report.moved[context] ?? 0) + 1;
  return true;
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

function readJsonSafely(file: string): unknown {
  try {
    return readJsonIfExists(file);
  } catch {
    return undefined;
  }
}

function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // Not empty (a file was kept) or already gone: leave it.
  }
}

/** One line for stderr: what moved where. */
export function describeMigration(report: MigrationReport): string {
  const moved = Object.entries(report.moved).map(
    ([context, count]) => `${count} ${count === 1 ? 'file' : 'files'} into context ${context}`,
  );
  let text =
    moved.length > 0 ? `Moved saved logins and streams (${moved.join(', ')}); see strm context list.\n` : '';
  for (const file of report.kept) {
    text += `Kept ${file} where it is: its context already has a file of that name.\n`;
  }
  return text;
}
