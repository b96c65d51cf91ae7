import { ApiClient } from './api-client';
import { configDir, type Endpoints, readConfigFile, resolveEndpoints } from './config';
import { type OutputFormat, parseOutputFormat } from './output';

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

/** A failure the user caused or can fix; main prints `Error: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Options every command accepts (defined on the root program). */
export interface GlobalOptions {
  output?: string;
  apiUrl?: string;
  wsUrl?: string;
}

/** Everything a command needs, resolved once from flags, env and the config file. */
export interface CommandContext {
  runtime: CliRuntime;
  configDir: string;
  endpoints: Endpoints;
  output: OutputFormat;
  api: ApiClient;
}

export function commandContext(runtime: CliRuntime, options: GlobalOptions): CommandContext {
  const dir = configDir(runtime.env);
  const endpoints = resolveEndpoints(
    { apiUrl: options.apiUrl, wsUrl: options.wsUrl },
    runtime.env,
    readConfigFile(dir),
  );
  return {
    runtime,
    configDir: dir,
    endpoints,
    output: parseOutputFormat(options.output ?? 'table'),
    api: new ApiClient({ apiUrl: endpoints.apiUrl, fetch: runtime.fetch }),
  };
}
