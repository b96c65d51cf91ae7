import './sdk-warning-off';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from './stack';
import { runTour, type StrmEvent, TOUR_DERIVED, TOUR_SOURCE } from './tour';

/**
 * `npm run demo`: the README tour by itself, against a temporary local stack, then a side-by-side of the
 * same events as `winston`, `winston-0` and `winston-1` show them.
 */

const EVENTS = 12;

const keyOf = (e: StrmEvent) => `${e.strmMeta.keyLink}/${e.strmMeta.nonce}`;

function cell(value: unknown, width: number): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const clipped = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return clipped.padEnd(width);
}

function fields(event: StrmEvent | undefined): [string, string] {
  if (!event) return ['(not in this stream)', ''];
  return [String(event.producerSessionId), String((event.customer as { id: string }).id)];
}

/**
 * The width of one value so that a row (consent, then two values per stream) fits the terminal: 10 for the
 * consent column, 3 per separator, 3 inside each stream's pair. 100 columns when not a terminal.
 */
export function cellWidth(columns: number | undefined, streams = 3): number {
  const available = (columns ?? 100) - 10 - 3 * streams - 3 * streams;
  return Math.max(8, Math.min(22, Math.floor(available / (2 * streams))));
}

async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  const dataDir = mkdtempSync(join(tmpdir(), 'privacy-streams-demo-'));
  const configDir = mkdtempSync(join(tmpdir(), 'privacy-streams-demo-cli-'));
  const stack = await startLocalStack({ port: 0, dataDir, quiet: true, log: () => undefined });
  try {
    console.log(`Local stack on ${stack.apiUrl} (temporary data in ${dataDir})\n`);
    const tour = await runTour({
      apiUrl: stack.apiUrl,
      configDir,
      events: EVENTS,
      intervalMs: 50,
      sessionRange: 3,
      onCommand: (line) => console.log(`$ ${line}`),
    });

    const derived = TOUR_DERIVED.map((name) => new Map(tour.derived[name].map((e) => [keyOf(e), e])));
    const width = cellWidth(process.stdout.columns);
    const streams = [TOUR_SOURCE, ...TOUR_DERIVED];
    console.log(`\nThe same ${EVENTS} events in each stream (producerSessionId | customer.id):\n`);
    console.log(['consent'.padEnd(10), ...streams.map((s) => cell(s, width * 2 + 3))].join(' ║ '));
    console.log(['─'.repeat(10), ...streams.map(() => '─'.repeat(width * 2 + 3))].join('─╫─'));
    for (const event of tour.source) {
      const row = [event, ...derived.map((m) => m.get(keyOf(event)))].map((e) => {
        const [session, customer] = fields(e);
        return `${cell(session, width)} | ${cell(customer, width)}`;
      });
      console.log([cell(JSON.stringify(event.strmMeta.consentLevels), 10), ...row].join(' ║ '));
    }
    console.log(
      [
        '',
        `${TOUR_SOURCE}: every PII field is Tink AES-SIV ciphertext (one key link per session, rotated every 24 h).`,
        `${TOUR_DERIVED[0]} (CUMULATIVE 0): events with any consent; customer.id (level 0) decrypted.`,
        `${TOUR_DERIVED[1]} (CUMULATIVE 1): events whose highest level is ≥ 1; producerSessionId (level 1) decrypted too.`,
      ].join('\n'),
    );
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  }
}

if (require.main === module)
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`demo failed: ${(err as Error).message}`);
      process.exit(1);
    },
  );
