import { ApiClient } from './api-client';
import { CliError } from './cli-error';
import { configDir, type Endpoints, resolveEndpoints } from './config';
import { describeMigration, migrateLegacyLayout } from './config-migration';
import { type ResolvedContext, resolveContext } from './contexts';
import { type OutputFormat, parseOutputFormat } from './output';
import { UserSession } from './user-session';

export { CliError } from './cli-error';

/** Something text can be written to (process.stdout, or a buffer in tests). */
export interface TextSink {
  write(text: string): unknown;
}

/** What the CLI needs from its process; tests pass their own. */
export interface CliRuntime {
  env: NodeJS.ProcessEnv;
  stdout: TextSink;
  stderr: TextSink;
  stdin: NodeJS.ReadStream;
  fetch?: typeof fetch;
  /** A signal that aborts when the user interrupts (Ctrl-C); long-running commands stop on it. */
  interrupts(): AbortSignal;
}

/** Options every command accepts (defined on the root program). */
export interface GlobalOptions {
  output?: string;
  apiUrl?: string;
  wsUrl?: string;
  context?: string;
}

/** Everything a command needs, resolved once from flags, env and the config file. */
export interface CommandContext {
  runtime: CliRuntime;
  configDir: string;
  /** The stack this command talks to; its `dir` holds the logins and saved entities. */
  context: ResolvedContext;
  endpoints: Endpoints;
  output: OutputFormat;
  api: ApiClient;
  /** The saved login for `api` in this context: every authenticated call goes through it (refresh on expiry). */
  session: UserSession;
}

/** Output formats a command accepts; every command has table and json, `get usage` csv too. */
const DEFAULT_FORMATS: readonly OutputFormat[] = ['table', 'json'];

export function commandContext(
  runtime: CliRuntime,
  options: GlobalOptions,
  formats: readonly OutputFormat[] = DEFAULT_FORMATS,
): CommandContext {
  const dir = configDir(runtime.env);
  const migrated = migrateLegacyLayout(dir);
  if (migrated) runtime.stderr.write(describeMigration(migrated));
  const context = resolveContext(dir, options.context, runtime.env);
  const endpoints = resolveEndpoints(
    { apiUrl: options.apiUrl, wsUrl: options.wsUrl },
    runtime.env,
    context.settings,
  );
  const output = parseOutputFormat(options.output ?? 'table');
  if (!formats.includes(output)) {
    throw new CliError(`This command cannot print -o ${output}: use ${formats.join(' or ')}`);
  }
  const api = new ApiClient({ apiUrl: endpoints.apiUrl, fetch: runtime.fetch });
  return {
    runtime,
    configDir: dir,
    context,
    endpoints,
    output,
    api,
    session: new UserSession(api, context.dir),
  };
}
