import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { saveStream } from '../../../cli/saved-entities';
import { localContextDir, tempConfigDir } from './run-cli';
import { fakeJwt, ScriptedApi } from './scripted-api';

const launcher = path.resolve(__dirname, '../../../bin/strm');

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/strm as a child process; `onStderr` may send it signals. */
function runLauncher(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onStderr?: (soFar: string, child: ReturnType<typeof spawn>) => void,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bin/strm launcher', () => {
  let dir: string;
  let api: ScriptedApi;
  let apiUrl: string;

  beforeEach(async () => {
    dir = tempConfigDir();
    api = new ScriptedApi();
    apiUrl = await api.start();
  });
  afterEach(async () => {
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is executable and works through a symlink (npm link)', async () => {
    const link = path.join(dir, 'strm');
    fs.symlinkSync(launcher, link);
    const result = await runLauncher(link, ['--version'], { STRM_CONFIG_PATH: dir });
    expect(result).toMatchObject({
      code: 0,
      stdout: `${JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')).version}\n`,
    });
  });

  it('exits with code 1 and the message on stderr when the API refuses a login', async () => {
    api.on('POST /v1/auth/login', {
      status: 401,
      body: { error: { code: 'unauthorized', message: 'invalid login' } },
    });
    const result = await runLauncher(launcher, ['auth', 'login', 'you@example.com'], {
      STRM_CONFIG_PATH: dir,
      STRM_API_URL: apiUrl,
      STRM_PASSWORD: 'pw',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Error: That email and password do not match an account at /);
  });

  it('exits 130 when egress is stopped with SIGINT', async () => {
    api.on('POST /auth/token', {
      status: 200,
      body: { access_token: fakeJwt({ stream: 'winston' }), token_type: 'Bearer', expires_in: 900 },
    });
    api.acceptWebSockets(
      () => ({ accept: true }),
      (socket) => socket.send('{"n":1}'),
    );
    saveStream(localContextDir(dir), {
      stream: { name: 'winston' },
      credentials: { clientId: 'cid', clientSecret: 'secret' },
    });
    let interrupted = false;
    const result = await runLauncher(
      launcher,
      ['egress', 'winston'],
      { STRM_CONFIG_PATH: dir, STRM_API_URL: apiUrl },
      (soFar, child) => {
        if (!interrupted && soFar.includes('Listening to stream winston')) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(result.code).toBe(130);
    expect(interrupted).toBe(true);
  });

  it('prints one line and exits 0 when egress is piped into head -1 (EPIPE)', async () => {
    // Prepare
    api.on('POST /auth/token', {
      status: 200,
      body: { access_token: fakeJwt({ stream: 'winston' }), token_type: 'Bearer', expires_in: 900 },
    });
    api.acceptWebSockets(
      () => ({ accept: true }),
      (socket) => {
        let n = 0;
        const timer = setInterval(() => {
          if (socket.readyState !== socket.OPEN) return clearInterval(timer);
          socket.send(JSON.stringify({ n: ++n }));
        }, 20);
      },
    );
    saveStream(localContextDir(dir), {
      stream: { name: 'winston' },
      credentials: { clientId: 'cid', clientSecret: 'secret' },
    });
    // Act
    const result = await runLauncher(
      'bash',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash variable, not a template
      ['-c', '"$STRM" egress winston | head -1; echo "strm exited ${PIPESTATUS[0]}" >&2'],
      { STRM: launcher, STRM_CONFIG_PATH: dir, STRM_API_URL: apiUrl },
    );
    // Assess
    expect(result.stdout).toBe('{"n":1}\n');
    expect(result.stderr).toContain('strm exited 0');
    expect(result.stderr).not.toContain('EPIPE');
  });
});
