import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localEndpointOfEnv, localKinesisClient } from '../../local/local-clients';
import { LOCAL_STREAMS } from '../../local/resources';
import {
  clickEvent,
  createStream,
  eventually,
  readAllRecords,
  signedInUser,
  streamToken,
} from '../support/stack-api';

/**
 * Crash injection: the local stack is killed with SIGKILL while producers send and the decrypter works,
 * then started again on the same data directory. Every acknowledged (204) event must be in the source
 * stream exactly once and in each derived stream it belongs to at least once (a batch cut short by the
 * crash is processed again); after a clean stop (SIGTERM) and restart, exactly once.
 */
const PASSWORD = 'crash recovery passphrase';
// [0] → winston-0 only; [0,1] and [1] → both; [] → neither.
const CONSENTS: number[][] = [[0], [0, 1], [1], []];
const inZero = (id: number) => CONSENTS[id % CONSENTS.length]!.length > 0;
const inOne = (id: number) => CONSENTS[id % CONSENTS.length]!.some((level) => level >= 1);

interface Started {
  child: ChildProcess;
  apiUrl: string;
  env: Record<string, string>;
}

function startStack(dataDir: string): Promise<Started> {
  const child = fork(join(__dirname, 'support', 'stack-process.ts'), [dataDir], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, ...(message as Omit<Started, 'child'>) }));
    child.once('exit', (code) => reject(new Error(`the stack process exited (${code}) before it was ready`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

interface Envelope {
  stream: string;
  event: { url: string };
}

const idOf = (envelope: Envelope) => Number(new URL(envelope.event.url).searchParams.get('marker'));

/** How often each id is in a stream (source, or one derived stream by name). */
function occurrences(records: Envelope[], stream: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const record of records.filter((r) => r.stream === stream)) {
    counts.set(idOf(record), (counts.get(idOf(record)) ?? 0) + 1);
  }
  return counts;
}

/** Sends events from `first` on with 8 producers until `stop()`; the acknowledged ids. */
function produce(apiUrl: string, token: string, first: number) {
  const acknowledged = new Set<number>();
  let next = first;
  let stopped = false;
  const producers = Array.from({ length: 8 }, async () => {
    while (!stopped) {
      const id = next++;
      try {
        const response = await fetch(`${apiUrl}/event`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(clickEvent(`session-${id % 5}`, String(id), CONSENTS[id % CONSENTS.length])),
        });
        await response.arrayBuffer();
        if (response.status === 204) acknowledged.add(id);
      } catch {
        // the stack is gone: this event was not acknowledged
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  return {
    acknowledged,
    stop: async () => {
      stopped = true;
      await Promise.all(producers);
    },
  };
}

describe('crash recovery', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ps-crash-'));
  let current: Started | undefined;

  afterAll(async () => {
    if (current) {
      current.child.kill('SIGKILL');
      await exited(current.child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function derivedCaughtUp(stack: Started, ids: Set<number>): Promise<Envelope[]> {
    const kinesis = localKinesisClient(localEndpointOfEnv(stack.env, 'KINESIS'));
    try {
      let derived: Envelope[] = [];
      await eventually(
        async () => {
          derived = (await readAllRecords(kinesis, LOCAL_STREAMS.derivedEvents)) as Envelope[];
          const zero = occurrences(derived, 'winston-0');
          const one = occurrences(derived, 'winston-1');
          return [...ids].every((id) => (!inZero(id) || zero.has(id)) && (!inOne(id) || one.has(id)));
        },
        'the decrypter to catch up',
        60_000,
      );
      return derived;
    } finally {
      kinesis.destroy();
    }
  }

  async function sourceRecords(stack: Started): Promise<Envelope[]> {
    const kinesis = localKinesisClient(localEndpointOfEnv(stack.env, 'KINESIS'));
    try {
      return (await readAllRecords(kinesis, LOCAL_STREAMS.sourceEvents)) as Envelope[];
    } finally {
      kinesis.destroy();
    }
  }

  it('keeps every acknowledged event through a SIGKILL, and exactly once after a clean stop', async () => {
    // Prepare
    current = await startStack(dataDir);
    const { accessToken } = await signedInUser(current.apiUrl, 'crash@example.com', PASSWORD);
    const source = await createStream(current.apiUrl, accessToken, { name: 'winston' });
    await createStream(current.apiUrl, accessToken, { linkedStream: 'winston', consentLevels: [0] });
    await createStream(current.apiUrl, accessToken, { linkedStream: 'winston', consentLevels: [1] });
    const token = await streamToken(current.apiUrl, source);

    // Act 1: SIGKILL mid-stream, restart on the same data directory
    const beforeCrash = produce(current.apiUrl, token, 0);
    await eventually(() => beforeCrash.acknowledged.size >= 150, 'events acknowledged before the crash');
    current.child.kill('SIGKILL');
    await exited(current.child);
    await beforeCrash.stop();
    current = await startStack(dataDir);

    // Assess 1
    const crashed = beforeCrash.acknowledged;
    const derivedAfterCrash = await derivedCaughtUp(current, crashed);
    const sourceCounts = occurrences(await sourceRecords(current), 'winston');
    expect([...crashed].filter((id) => sourceCounts.get(id) !== 1)).toEqual([]);
    const zero = occurrences(derivedAfterCrash, 'winston-0');
    const one = occurrences(derivedAfterCrash, 'winston-1');
    expect([...crashed].filter((id) => inZero(id) && !zero.has(id))).toEqual([]);
    expect([...crashed].filter((id) => inOne(id) && !one.has(id))).toEqual([]);
    expect([...zero.keys(), ...one.keys()].filter((id) => !inZero(id) && !inOne(id))).toEqual([]);

    // Act 2: produce, then a clean stop (SIGTERM) and a restart
    const beforeStop = produce(current.apiUrl, token, 100_000);
    await eventually(() => beforeStop.acknowledged.size >= 100, 'events acknowledged before the clean stop');
    await beforeStop.stop();
    current.child.kill('SIGTERM');
    await exited(current.child);
    current = await startStack(dataDir);

    // Assess 2
    const cleanly = beforeStop.acknowledged;
    const derived = await derivedCaughtUp(current, cleanly);
    const sourceAfterStop = occurrences(await sourceRecords(current), 'winston');
    expect([...cleanly].filter((id) => sourceAfterStop.get(id) !== 1)).toEqual([]);
    const zeroAfterStop = occurrences(derived, 'winston-0');
    const oneAfterStop = occurrences(derived, 'winston-1');
    expect([...cleanly].filter((id) => inZero(id) && zeroAfterStop.get(id) !== 1)).toEqual([]);
    expect([...cleanly].filter((id) => inOne(id) && oneAfterStop.get(id) !== 1)).toEqual([]);
  }, 240_000);
});
