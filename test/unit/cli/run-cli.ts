import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { contextDir, LOCAL_CONTEXT } from '../../../cli/contexts';
import { runCli } from '../../../cli/main';
import type { CliRuntime } from '../../../cli/runtime';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A fresh config directory in the OS temp dir; remove with `fs.rmSync(dir, { recursive: true })`. */
export function tempConfigDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'strm-cli-test-'));
}

/**
 * Runs the CLI in-process with captured stdout/stderr. `env` replaces the process environment entirely
 * (so the developer's STRM_* variables never leak in); `interrupt` aborts long-running commands.
 */
export async function runStrm(
  argv: string[],
  options: {
    env: NodeJS.ProcessEnv;
    stdin?: string;
    interrupt?: AbortSignal;
    onStdout?: (text: string) => void;
    onStderr?: (text: string) => void;
  },
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(
    options.stdin === undefined ? [] : [options.stdin],
  ) as unknown as NodeJS.ReadStream;
  const runtime: CliRuntime = {
    env: options.env,
    stdout: {
      write: (text: string) => {
        stdout += text;
        options.onStdout?.(text);
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
        options.onStderr?.(text);
      },
    },
    stdin,
    interrupts: () => options.interrupt ?? new AbortController().signal,
  };
  const code = await runCli(argv, runtime);
  return { code, stdout, stderr };
}

/** The directory of the built-in `local` context (its logins and saved streams) in a config directory. */
export function localContextDir(configDir: string): string {
  return contextDir(configDir, LOCAL_CONTEXT);
}
