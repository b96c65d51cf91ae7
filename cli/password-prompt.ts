import { CliError, INTERRUPTED_EXIT_CODE } from './cli-error';
import type { TextSink } from './runtime';

/** One password to read: from an environment variable when it is set, else from the user. */
export interface PasswordField {
  envVar: string;
  prompt: string;
}

interface PromptIo {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stderr: TextSink;
}

/**
 * Reads a password: `STRM_PASSWORD` first; on a TTY a hidden prompt (no echo); otherwise one line of stdin
 * (so `echo secret | strm auth login me@example.com` works in scripts).
 */
export async function readPassword(options: PromptIo & { prompt?: string }): Promise<string> {
  const [password] = await readPasswords({
    ...options,
    fields: [{ envVar: 'STRM_PASSWORD', prompt: options.prompt ?? 'Password: ' }],
  });
  return password;
}

/**
 * Reads several passwords in order (e.g. the current and the new one): each from its environment variable
 * when set, else a hidden prompt on a TTY, else the next line of stdin.
 */
export async function readPasswords(
  options: PromptIo & { fields: readonly PasswordField[] },
): Promise<string[]> {
  const missing = options.fields.filter((field) => !options.env[field.envVar]);
  const piped =
    options.stdin.isTTY || missing.length === 0 ? [] : await readLines(options.stdin, missing.length);
  const passwords: string[] = [];
  for (const field of options.fields) {
    const fromEnv = options.env[field.envVar];
    const password =
      fromEnv !== undefined && fromEnv !== ''
        ? fromEnv
        : options.stdin.isTTY
          ? await readHidden(options.stdin, options.stderr, field.prompt)
          : (piped.shift() ?? '');
    if (password === '') {
      throw new Error(`No password given (type it at the prompt or set ${field.envVar})`);
    }
    passwords.push(password);
  }
  return passwords;
}

/** The first `count` lines of a non-TTY stream (without line endings); fewer when it ends before. */
export function readLines(input: NodeJS.ReadableStream, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const finish = () => {
      input.off('data', onData);
      input.off('end', finish);
      input.off('error', onError);
      input.pause?.();
      resolve(buffered.split(/\r?\n/).slice(0, count));
    };
    const onData = (chunk: Buffer | string) => {
      buffered += chunk.toString();
      if (buffered.split(/\r?\n/).length > count) finish();
    };
    const onError = (error: Error) => reject(error);
    input.on('data', onData);
    input.on('end', finish);
    input.on('error', onError);
  });
}

function readHidden(stdin: NodeJS.ReadStream, stderr: TextSink, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let password = '';
    stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      stderr.write('\n');
      if (error) reject(error);
      else resolve(password);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done();
        if (char === '\u0003') return done(new CliError('Cancelled', INTERRUPTED_EXIT_CODE));
        if (char === '\u007f' || char === '\b') password = password.slice(0, -1);
        else if (char >= ' ') password += char;
      }
    };
    stdin.on('data', onData);
  });
}
