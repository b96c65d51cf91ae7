import type { TextSink } from './runtime';

/**
 * Reads a password: `STRM_PASSWORD` first; on a TTY a hidden prompt (no echo); otherwise one line of stdin
 * (so `echo secret | strm auth login me@example.com` works in scripts).
 */
export async function readPassword(options: {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stderr: TextSink;
  prompt?: string;
}): Promise<string> {
  const fromEnv = options.env.STRM_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const password = options.stdin.isTTY
    ? await readHidden(options.stdin, options.stderr, options.prompt ?? 'Password: ')
    : await readLine(options.stdin);
  if (password === '') throw new Error('No password given (type it at the prompt or set STRM_PASSWORD)');
  return password;
}

/** The first line of a non-TTY stream (without the line ending). */
export function readLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const finish = () => {
      input.off('data', onData);
      input.off('end', finish);
      input.off('error', onError);
      input.pause?.();
      resolve(buffered.split(/\r?\n/)[0] ?? '');
    };
    const onData = (chunk: Buffer | string) => {
      buffered += chunk.toString();
      if (buffered.includes('\n')) finish();
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
        if (char === '\u0003') return done(new Error('Cancelled'));
        if (char === '\u007f' || char === '\b') password = password.slice(0, -1);
        else if (char >= ' ') password += char;
      }
    };
    stdin.on('data', onData);
  });
}
