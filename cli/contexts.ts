import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError } from './cli-error';
import {
  type ConfigFile,
  type ContextSettings,
  DEFAULT_API_URL,
  readConfigFile,
  type SettingSource,
  writeConfigFile,
} from './config';

/**
 * Contexts: one per stack the CLI talks to. `local` (the `npm start` stack) is built in; `strm context
 * import|add` add one per deployed stack. Each context has its own directory for logins and saved
 * entities (`<config>/contexts/<name>/`), so the same stream name on two stacks never collides.
 */

export const LOCAL_CONTEXT = 'local';

/** Names usable as a directory name: letters, digits, `.`, `_`, `-`, not starting with a dot. */
const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export interface ResolvedContext {
  name: string;
  /** Where the name came from: `--context`, `STRM_CONTEXT`, the current context of config.json, or `local`. */
  source: SettingSource;
  settings: ContextSettings;
  /** `<config>/contexts/<name>`: its logins and saved entities. */
  dir: string;
}

export function contextDir(configDir: string, name: string): string {
  return path.join(configDir, 'contexts', name);
}

/** Throws a CliError when `name` cannot be a context name. */
export function checkContextName(name: string): string {
  if (!CONTEXT_NAME.test(name)) {
    throw new CliError(
      `Invalid context name '${name}': use letters, digits, '.', '_' and '-' (at most 63, not starting with a dot)`,
    );
  }
  return name;
}

/** The settings of the built-in `local` context: the local stack on its default port. */
function localSettings(): ContextSettings {
  return { apiUrl: DEFAULT_API_URL };
}

/** Every context, `local` first, then the others by name. */
export function listContexts(config: ConfigFile): { name: string; settings: ContextSettings }[] {
  const others = Object.entries(config.contexts ?? {})
    .filter(([name]) => name !== LOCAL_CONTEXT)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, settings]) => ({ name, settings }));
  return [{ name: LOCAL_CONTEXT, settings: localSettings() }, ...others];
}

/** The context named `name`, or undefined. */
export function findContext(config: ConfigFile, name: string): ContextSettings | undefined {
  if (name === LOCAL_CONTEXT) return localSettings();
  return config.contexts?.[name];
}

function unknownContext(config: ConfigFile, name: string, from: string): CliError {
  const names = listContexts(config).map((context) => context.name);
  return new CliError(
    `No context named '${name}' (from ${from}). Contexts: ${names.join(', ')}. ` +
      'Add one for a deployed stack with: strm context import --outputs-file cdk-outputs.json',
  );
}

/** The context of this command: `--context` > `STRM_CONTEXT` > config.json's current context > `local`. */
export function resolveContext(
  configDir: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): ResolvedContext {
  const config = readConfigFile(configDir);
  const candidates: [string | undefined, SettingSource, string][] = [
    [flag, 'flag', '--context'],
    [env.STRM_CONTEXT, 'env', 'STRM_CONTEXT'],
    [config.currentContext, 'config file', 'the current context in config.json'],
  ];
  for (const [value, source, from] of candidates) {
    if (value === undefined || value.trim() === '') continue;
    const name = value.trim();
    const settings = findContext(config, name);
    if (!settings) throw unknownContext(config, name, from);
    return { name, source, settings, dir: contextDir(configDir, name) };
  }
  return {
    name: LOCAL_CONTEXT,
    source: 'default',
    settings: localSettings(),
    dir: contextDir(configDir, LOCAL_CONTEXT),
  };
}

/** Adds or replaces a context's settings; `local` is built in and cannot be redefined. */
export function saveContext(configDir: string, name: string, settings: ContextSettings): void {
  checkContextName(name);
  if (name === LOCAL_CONTEXT) {
    throw new CliError(
      "'local' is the built-in context of the local stack: pick another name (--name) for this one",
    );
  }
  const config = readConfigFile(configDir);
  writeConfigFile(configDir, { ...config, contexts: { ...(config.contexts ?? {}), [name]: settings } });
}

/** Makes `name` the current context; CliError when it does not exist. */
export function useContext(configDir: string, name: string): ContextSettings {
  const config = readConfigFile(configDir);
  const settings = findContext(config, name);
  if (!settings) throw unknownContext(config, name, 'the command line');
  writeConfigFile(configDir, { ...config, currentContext: name });
  return settings;
}

/** Removes a context with its logins and saved entities; the current context falls back to `local`. */
export function deleteContext(configDir: string, name: string): void {
  if (name === LOCAL_CONTEXT) throw new CliError("'local' is built in and cannot be deleted");
  const config = readConfigFile(configDir);
  if (!config.contexts?.[name]) throw unknownContext(config, name, 'the command line');
  const { [name]: _deleted, ...rest } = config.contexts;
  const next: ConfigFile = { ...config, contexts: rest };
  if (next.currentContext === name) delete next.currentContext;
  writeConfigFile(configDir, next);
  fs.rmSync(contextDir(configDir, name), { recursive: true, force: true });
}
