import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

/**
 * The README tutorial, typed through the real `strm` CLI (child processes) against a running stack:
 * sign up, log in, create `winston` with `winston-0` and `winston-1`, subscribe to all three with `egress`,
 * simulate events, and collect what each `egress` printed. Used by the e2e test and by `npm run demo`.
 */

const REPO_ROOT = resolve(__dirname, '..');
const STRM = join(REPO_ROOT, 'bin', 'strm');

export const TOUR_SOURCE = 'winston';
export const TOUR_DERIVED = ['winston-0', 'winston-1'] as const;

export interface TourOptions {
  apiUrl: string;
  /** STRM_CONFIG_PATH for the CLI (saved credentials and login live there). */
  configDir: string;
  /** How many events the simulator sends. */
  events: number;
  email?: string;
  password?: string;
  /** Milliseconds between simulated events. */
  intervalMs?: number;
  /** Distinct simulated sessions (fewer sessions → key links reused). */
  sessionRange?: number;
  /** Each CLI command line as typed, for a transcript. */
  onCommand?: (line: string) => void;
  /** How long to wait for the derived streams to catch up. */
  timeoutMs?: number;
}

export type StrmEvent = Record<string, unknown> & {
  strmMeta: {
    eventContractRef: string;
    consentLevels: number[];
    nonce: number;
    timestamp: number;
    keyLink: string;
  };
};

export interface TourResult {
  source: StrmEvent[];
  derived: Record<(typeof TOUR_DERIVED)[number], StrmEvent[]>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one `strm` command to completion. */
export function strm(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      process.execPath,
      [STRM, ...args],
      { cwd: REPO_ROOT, env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });
}

/** The environment a user's shell would give the CLI. */
export function cliEnv(opts: Pick<TourOptions, 'apiUrl' | 'configDir' | 'password'>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: opts.configDir,
    STRM_API_URL: opts.apiUrl,
    STRM_CONFIG_PATH: opts.configDir,
    STRM_PASSWORD: opts.password ?? 'correct horse battery staple',
  };
}

/** A running `strm egress STREAM`, collecting the JSON lines it prints. */
export class EgressProcess {
  readonly events: StrmEvent[] = [];
  private readonly child: ChildProcess;
  private stderr = '';
  private readonly listening: Promise<void>;

  constructor(
    readonly stream: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, [STRM, 'egress', stream], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line) as StrmEvent);
    });
    this.listening = new Promise((resolveListening, reject) => {
      this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        this.stderr += chunk;
        if (this.stderr.includes('Listening to stream')) resolveListening();
      });
      this.child.once('exit', (code) =>
        reject(new Error(`egress ${stream} exited (${code}): ${this.stderr.trim()}`)),
      );
    });
  }

  /** Resolves once the WebSocket is open (events are not replayed, so subscribe before sending). */
  ready(timeoutMs = 15_000): Promise<void> {
    return withTimeout(this.listening, timeoutMs, `egress ${this.stream} did not connect`);
  }

  /** Ctrl-C, as a user would; resolves with the exit code. */
  stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolveExit) => {
      this.child.once('exit', (code) => resolveExit(code));
      this.child.kill('SIGINT');
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function waitFor(condition: () => boolean, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Events a CUMULATIVE derived stream with one level includes: non-empty consent whose maximum reaches it. */
function cumulativeIncludes(level: number, event: StrmEvent): boolean {
  const levels = event.strmMeta.consentLevels;
  return levels.length > 0 && Math.max(...levels) >= level;
}

async function mustSucceed(
  args: string[],
  env: NodeJS.ProcessEnv,
  onCommand?: (line: string) => void,
): Promise<CliResult> {
  onCommand?.(`strm ${args.join(' ')}`);
  const result = await strm(args, env);
  if (result.code !== 0)
    throw new Error(`strm ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result;
}

/** Runs the tutorial and returns what `egress` printed for the source and both derived streams. */
export async function runTour(opts: TourOptions): Promise<TourResult> {
  const env = cliEnv(opts);
  const email = opts.email ?? 'you@example.com';
  const run = (args: string[]) => mustSucceed(args, env, opts.onCommand);

  await run(['auth', 'signup', email]);
  await run(['auth', 'login', email]);
  await run(['create', 'stream', TOUR_SOURCE, '--save']);
  await run(['create', 'stream', '--derived-from', TOUR_SOURCE, '--levels', '0', '--save']);
  await run(['create', 'stream', '--derived-from', TOUR_SOURCE, '--levels', '1', '--save']);

  const egress = [TOUR_SOURCE, ...TOUR_DERIVED].map((stream) => {
    opts.onCommand?.(`strm egress ${stream} &`);
    return new EgressProcess(stream, env);
  });
  try {
    await Promise.all(egress.map((e) => e.ready()));
    await run([
      'sim',
      'run-random',
      TOUR_SOURCE,
      '--count',
      String(opts.events),
      '--interval',
      String(opts.intervalMs ?? 10),
      '--session-range',
      String(opts.sessionRange ?? 5),
      // The tour checks events with strmMeta.eventContractRef; the simulator's default is the legacy shape.
      '--schema',
      'streammachine/clickstream/1.0.0',
      '--quiet',
    ]);

    const [source, zero, one] = egress;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    await waitFor(
      () => source.events.length >= opts.events,
      timeoutMs,
      'the source stream did not deliver every event',
    );
    // Derived events arrive after the decrypter ran; wait for the counts the consent rules predict.
    const expected = (level: number) => source.events.filter((e) => cumulativeIncludes(level, e)).length;
    await waitFor(
      () => zero.events.length >= expected(0) && one.events.length >= expected(1),
      timeoutMs,
      'the derived streams did not deliver every included event',
    );
    // A short grace period, so that an event wrongly included would show up too.
    await new Promise((r) => setTimeout(r, 500));
    return {
      source: [...source.events],
      derived: { 'winston-0': [...zero.events], 'winston-1': [...one.events] },
    };
  } finally {
    await Promise.all(egress.map((e) => e.stop()));
  }
}
