/**
 * Random event generation of `strm sim run-random`, as the original CLI did it (strm-behaviour.md §6.4).
 * Pure: randomness comes in as a function so tests can seed it.
 */

/** A source of uniform numbers in [0, 1), like Math.random. */
export type Random = () => number;

export interface SimSchema {
  /** Sent as the `Strm-Schema-Ref` header. */
  schemaRef: string;
  /** Written to `strmMeta.eventContractRef`. */
  contractRef: string;
  build(sessionId: string, consentLevels: number[], random: Random): Record<string, unknown>;
}

const CLICKSTREAM: SimSchema = {
  schemaRef: 'streammachine/clickstream/1.0.0',
  contractRef: 'streammachine/clickstream/1.0.0',
  build: (sessionId, consentLevels) => ({
    strmMeta: { eventContractRef: 'streammachine/clickstream/1.0.0', consentLevels },
    producerSessionId: sessionId,
    url: 'https://www.streammachine.io/rules',
    eventType: '',
    referrer: '',
    userAgent: '',
    conversion: 0,
    customer: { id: `customer-${sessionId}` },
    abTests: [],
  }),
};

const DEMO: SimSchema = {
  schemaRef: 'streammachine/demo/1.0.2',
  contractRef: 'streammachine/example/1.3.0',
  build: (sessionId, consentLevels, random) => ({
    strmMeta: { eventContractRef: 'streammachine/example/1.3.0', consentLevels },
    uniqueIdentifier: `unique-${randomInt(random, 100)}`,
    consistentValue: sessionId,
    someSensitiveValue: `sensitive-${randomInt(random, 100)}`,
    notSensitiveValue: `not-sensitive-${randomInt(random, 100)}`,
  }),
};

/** The `--schema` values the simulator knows, including short aliases. */
const SCHEMAS: Record<string, SimSchema> = {
  clickstream: CLICKSTREAM,
  'streammachine/clickstream/1.0.0': CLICKSTREAM,
  demo: DEMO,
  'streammachine/demo/1.0.2': DEMO,
};

export const DEFAULT_SIM_SCHEMA = 'clickstream';

/** The default `--consent-levels`: "" (no consent), "0", "0/1", "0/1/2", "0/1/2/3". */
export const DEFAULT_CONSENT_LEVELS = ['', '0', '0/1', '0/1/2', '0/1/2/3'];

export function findSimSchema(name: string): SimSchema {
  const schema = SCHEMAS[name];
  if (!schema) {
    throw new Error(`Unknown schema '${name}': use clickstream or streammachine/demo/1.0.2`);
  }
  return schema;
}

/** `["", "0", "0/1"]` → `[[], [0], [0, 1]]`; each item lists levels separated by '/'. */
export function parseConsentLevelChoices(items: readonly string[]): number[][] {
  return items.map((item) => {
    const trimmed = item.trim();
    if (trimmed === '') return [];
    return trimmed.split('/').map((part) => {
      const value = part.trim();
      if (!/^\d{1,9}$/.test(value)) {
        throw new Error(
          `Invalid --consent-levels item '${item}': expected levels like 0/1/2 (or "" for none)`,
        );
      }
      return Number(value);
    });
  });
}

/** An integer in [0, bound). */
export function randomInt(random: Random, bound: number): number {
  return Math.min(bound - 1, Math.floor(random() * bound));
}

export interface EventGeneratorOptions {
  schema: SimSchema;
  sessionRange: number;
  sessionPrefix: string;
  consentChoices: readonly number[][];
  random?: Random;
}

/** Returns a function producing the next random event: a random session and a random consent choice. */
export function createEventGenerator(options: EventGeneratorOptions): () => Record<string, unknown> {
  const { schema, sessionRange, sessionPrefix, consentChoices } = options;
  const random = options.random ?? Math.random;
  if (!Number.isInteger(sessionRange) || sessionRange < 1)
    throw new Error('--session-range must be at least 1');
  if (consentChoices.length === 0) throw new Error('--consent-levels needs at least one item');
  return () => {
    const sessionId = `${sessionPrefix}-${randomInt(random, sessionRange)}`;
    const consentLevels = [...consentChoices[randomInt(random, consentChoices.length)]];
    return schema.build(sessionId, consentLevels, random);
  };
}

/** A small seeded PRNG (mulberry32) for reproducible simulations and tests. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
