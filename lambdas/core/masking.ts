import { createHmac, randomBytes } from 'node:crypto';
import { canonicalContractRef, isContractRef } from './contracts';
import { ValidationError } from './errors';
import {
  type FieldPath,
  getField,
  isJsonObject,
  parseFieldPath,
  replaceField,
  touchesStrmMeta,
} from './field-path';

/**
 * Masked fields of a derived stream: after decryption, the listed fields of events with the listed
 * contract ref are replaced by a seeded hash, so they stay joinable (same value → same mask) without
 * being readable.
 *
 * Hash choice: the original used seeded MurmurHash3. A seeded non-cryptographic hash is not a secret
 * function: anyone who learns the seed (or, for Murmur, enough input/output pairs, since it is
 * invertible per block) can reverse low-entropy values such as emails or ids by dictionary, and
 * collisions can be forced. HMAC-SHA-256 keyed by the seed gives the same determinism, while without the
 * seed the mask reveals nothing. The output is the first 32 hex characters (128 bits), the width of
 * the original's masks.
 */
export interface MaskedFields {
  seed: string;
  fieldPatterns: Record<string /* contract ref */, string[]>;
}

const MASK_HEX_LENGTH = 32;
const MAX_PATTERNS = 200;
const MAX_SEED_LENGTH = 1000;

/** The canonical string of a JSON value for masking: strings as they are, anything else JSON.stringify. */
function canonicalString(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
}

/** HMAC-SHA-256 keyed by the seed over the value's canonical string, first 32 hex characters. */
export function maskValue(value: unknown, seed: string): string {
  return createHmac('sha256', seed)
    .update(canonicalString(value), 'utf8')
    .digest('hex')
    .slice(0, MASK_HEX_LENGTH);
}

/** A random seed for a derived stream whose definition does not give one. */
export function generateMaskSeed(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Validates a derived stream's `maskedFields` definition. Contract refs must be `handle/name/version`
 * (legacy `clickstream` is mapped); every pattern is a `/` field path and may not touch `strmMeta`.
 * A missing seed gets a random one. Throws ValidationError naming the field.
 */
export function parseMaskedFields(input: unknown, newSeed: () => string = generateMaskSeed): MaskedFields {
  if (!isJsonObject(input)) throw new ValidationError('maskedFields must be an object {seed, fieldPatterns}');
  let seed: string;
  if (input.seed === undefined || input.seed === null || input.seed === '') {
    seed = newSeed();
  } else if (typeof input.seed !== 'string' || input.seed.length > MAX_SEED_LENGTH) {
    throw new ValidationError(`maskedFields.seed must be a string of at most ${MAX_SEED_LENGTH} characters`);
  } else {
    seed = input.seed;
  }
  if (!isJsonObject(input.fieldPatterns)) {
    throw new ValidationError('maskedFields.fieldPatterns must be an object of contract ref → field paths');
  }
  const fieldPatterns: Record<string, string[]> = {};
  let count = 0;
  for (const [ref, patterns] of Object.entries(input.fieldPatterns)) {
    const contractRef = canonicalContractRef(ref);
    if (!isContractRef(contractRef)) {
      throw new ValidationError(
        `maskedFields.fieldPatterns key '${ref}' must be a contract ref 'handle/name/version'`,
      );
    }
    if (!Array.isArray(patterns) || patterns.length === 0) {
      throw new ValidationError(
        `maskedFields.fieldPatterns['${ref}'] must be a non-empty array of field paths`,
      );
    }
    count += patterns.length;
    if (count > MAX_PATTERNS)
      throw new ValidationError(`maskedFields has more than ${MAX_PATTERNS} field patterns`);
    for (const pattern of patterns) {
      const path = parseFieldPath(pattern, `maskedFields.fieldPatterns['${ref}'] entry`);
      if (touchesStrmMeta(path)) {
        throw new ValidationError(`maskedFields.fieldPatterns['${ref}'] must not mask strmMeta`);
      }
    }
    fieldPatterns[contractRef] = [
      ...new Set([...(fieldPatterns[contractRef] ?? []), ...(patterns as string[])]),
    ];
  }
  return { seed, fieldPatterns };
}

const pathCache = new Map<string, FieldPath | null>();

function maskablePath(pattern: string): FieldPath | null {
  let path = pathCache.get(pattern);
  if (path === undefined) {
    try {
      const parsed = parseFieldPath(pattern, 'masked field');
      path = touchesStrmMeta(parsed) ? null : parsed;
    } catch {
      path = null; // a stored pattern that no longer parses is skipped, never applied loosely
    }
    if (pathCache.size < 10_000) pathCache.set(pattern, path);
  }
  return path;
}

/**
 * Masks, in place, the fields listed for `contractRef` (after decryption). Absent or null fields stay as
 * they are; a list has each element masked; `strmMeta` is never touched.
 */
export function applyMasking(
  event: Record<string, unknown>,
  contractRef: string,
  maskedFields: MaskedFields | undefined,
): void {
  if (!maskedFields || !Object.hasOwn(maskedFields.fieldPatterns, contractRef)) return;
  const patterns = maskedFields.fieldPatterns[contractRef];
  if (!Array.isArray(patterns)) return;
  for (const pattern of patterns) {
    const path = maskablePath(pattern);
    if (!path) continue;
    const value = getField(event, path);
    if (value === undefined || value === null) continue;
    const masked = Array.isArray(value)
      ? value.map((item) => maskValue(item, maskedFields.seed))
      : maskValue(value, maskedFields.seed);
    replaceField(event, path, masked);
  }
}
