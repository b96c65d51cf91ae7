/**
 * Random event generation of `strm sim run-random`, as the original CLI did it (strm-behaviour.md §6.4).
 * Pure: randomness comes in as a function so tests can seed it.
 */

/** A source of uniform numbers in [0, 1), like Math.random. */
export type Random = () => number;

export interface SimSchema {
  /** Sent as the `Strm-Schema-Ref` header (or, for the legacy clickstream, `Strm-Schema-Id`). */
  schemaRef: string;
  /** The header that names the schema: the legacy clickstream used `Strm-Schema-Id`. */
  schemaHeader: 'strm-schema-ref' | 'strm-schema-id';
  /** Written to `strmMeta.eventContractRef` (or `strmMeta.schemaId` for the legacy clickstream). */
  contractRef: string;
  build(sessionId: string, consentLevels: number[], random: Random): Record<string, unknown>;
}

/** The clickstream fields the original simulator filled (strm-behaviour.md §6.4). */
function clickstreamFields(sessionId: string) {
  return {
    producerSessionId: sessionId,
    url: 'https://www.streammachine.io/rules',
    eventType: '',
    referrer: '',
    userAgent: '',
    conversion: 0,
    customer: { id: `customer-${sessionId}` },
    abTests: [],
  };
}

/** The seed's own shape: the legacy clickstream event, `strmMeta.schemaId` and `Strm-Schema-Id: clickstream`. */
const LEGACY_CLICKSTREAM: SimSchema = {
  schemaRef: 'clickstream',
  schemaHeader: 'strm-schema-id',
  contractRef: 'clickstream',
  build: (sessionId, consentLevels) => ({
    strmMeta: { schemaId: 'clickstream', consentLevels },
    ...clickstreamFields(sessionId),
  }),
};

/** A clickstream event under a handle of the original (`streammachine` or `strmprivacy`). */
function clickstream(handle: string): SimSchema {
  const ref = `${handle}/clickstream/1.0.0`;
  return {
    schemaRef: ref,
    schemaHeader: 'strm-schema-ref',
    contractRef: ref,
    build: (sessionId, consentLevels) => ({
      strmMeta: { eventContractRef: ref, consentLevels },
      ...clickstreamFields(sessionId),
    }),
  };
}

/** A demo event; the original hard-coded the example contract of each demo schema. */
function demo(handle: string): SimSchema {
  const contractRef = `${handle}/example/1.3.0`;
  return {
    schemaRef: `${handle}/demo/1.0.2`,
    schemaHeader: 'strm-schema-ref',
    contractRef,
    build: (sessionId, consentLevels, random) => ({
      strmMeta: { eventContractRef: contractRef, consentLevels },
      uniqueIdentifier: `unique-${randomInt(random, 100)}`,
      consistentValue: sessionId,
      someSensitiveValue: `sensitive-${randomInt(random, 100)}`,
      notSensitiveValue: `not-sensitive-${randomInt(random, 100)}`,
    }),
  };
}

/** The `--schema` values the simulator knows: every built-in schema ref, and short aliases. */
const SCHEMAS: Record<string, SimSchema> = {
  clickstream: LEGACY_CLICKSTREAM,
  'streammachine/clickstream/1.0.0': clickstream('streammachine'),
  'strmprivacy/clickstream/1.0.0': clickstream('strmprivacy'),
  demo: demo('streammachine'),
  'streammachine/demo/1.0.2': demo('streammachine'),
  'strmprivacy/demo/1.0.2': demo('strmprivacy'),
};

/** The seed's default: the legacy clickstream. */
export const DEFAULT_SIM_SCHEMA = 'clickstream';

/** The `--schema` values, for help texts. */
export const SIM_SCHEMA_NAMES = Object.keys(SCHEMAS);

/** The default `--consent-levels`: "" (no consent), "0", "0/1", "0/1/2", "0/1/2/3". */
export const DEFAULT_CONSENT_LEVELS = ['', '0', '0/1', '0/1/2', '0/1/2/3'];

export function findSimSchema(name: string): SimSchema {
  const schema = SCHEMAS[name];
  if (!schema) {
    const others = SIM_SCHEMA_NAMES.filter((n) => n !== 'clickstream' && n !== 'streammachine/demo/1.0.2');
    throw new Error(
      `Unknown schema '${name}': use clickstream or streammachine/demo/1.0.2 (or ${others.join(', ')})`,
    );
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
