import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { cliEnv, strm } from '../../local/tour';

/**
 * The README's "Send your own events" block, run as written (bash, curl, the real CLI) against the local
 * stack on a free port: the event is accepted (204) and goes through the pipeline (counted as usage).
 */
const REPO_ROOT = resolve(__dirname, '../..');
const PASSWORD = 'readme password that is long enough';

/** The bash block right after the README's marker comment. */
function readmeCurlExample(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const marker = readme.indexOf('<!-- readme-curl-example');
  if (marker === -1) throw new Error('README.md has no readme-curl-example marker');
  const block = /```bash\n([\s\S]*?)```/.exec(readme.slice(marker));
  if (!block) throw new Error('no bash block after the readme-curl-example marker');
  return block[1];
}

function bash(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      'bash',
      ['-eo', 'pipefail', '-c', script],
      { cwd: REPO_ROOT, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolvePromise({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe("the README's curl example against the local stack", () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ps-readme-data-'));
  const configDir = mkdtempSync(join(tmpdir(), 'ps-readme-config-'));
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, dataDir, quiet: true, log: () => undefined });
    env = cliEnv({ apiUrl: stack.apiUrl, configDir, password: PASSWORD });
    for (const args of [
      ['auth', 'signup', 'you@example.com'],
      ['auth', 'login', 'you@example.com'],
    ]) {
      const result = await strm(args, env);
      if (result.code !== 0) throw new Error(`strm ${args.join(' ')}: ${result.stderr}`);
    }
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  it('gets a token and sends an event that is accepted with 204 and counted', async () => {
    // Prepare
    const script = readmeCurlExample().replaceAll('http://127.0.0.1:8080', stack.apiUrl);
    // Act
    const result = await bash(script, env);
    // Assess
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^HTTP\/1\.1 204 No Content/m);
    let counted = 0;
    const deadline = Date.now() + 30_000;
    while (counted < 1 && Date.now() < deadline) {
      const usage = await strm(['get', 'usage', 'by-hand', '--by', '1h', '-o', 'json'], env);
      expect(usage.code).toBe(0);
      counted = (JSON.parse(usage.stdout).windows as { change: number }[]).reduce(
        (sum, w) => sum + w.change,
        0,
      );
      if (counted < 1) await new Promise((r) => setTimeout(r, 250));
    }
    expect(counted).toBe(1);
  }, 90_000);
});
