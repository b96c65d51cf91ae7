import { type ConsentLevelType, defaultDerivedStreamName, parseConsentRule } from './consent';
import { ValidationError } from './errors';
import { isJsonObject } from './field-path';
import { generateMaskSeed, type MaskedFields, parseMaskedFields } from './masking';

/**
 * Stream definitions: the stream record (management API JSON and `streams` table item) and the rules for
 * creating one. A source stream receives events; a derived stream (`linkedStream` set) is a consent-filtered,
 * partially decrypted view of one source stream.
 */
export interface StreamRecord {
  name: string;
  accountId: string;
  /** The source stream; absent for source streams. */
  linkedStream?: string;
  /** Derived only. */
  consentLevels?: number[];
  /** Derived only. */
  consentLevelType?: ConsentLevelType;
  /** Derived only, optional. */
  maskedFields?: MaskedFields;
  description: string;
  tags: string[];
  enabled: boolean;
  /** Source only: key-link lifetime in hours. */
  keyRotationHours?: number;
  /** ISO 8601. */
  createdAt: string;
  /**
   * Client ids only; the secret appears once, in the create response. `expiresAt` (ISO 8601): a
   * temporary credential, refused from then on (core/stream-status.ts `streamAcceptsClient`).
   */
  credentials: { clientId: string; expiresAt?: string }[];
}

/** `POST /v1/streams` body. */
export interface StreamCreateRequest {
  name?: string;
  linkedStream?: string;
  consentLevels?: number[];
  consentLevelType?: ConsentLevelType;
  maskedFields?: { seed?: string; fieldPatterns: Record<string, string[]> };
  description?: string;
  tags?: string[];
  keyRotationHours?: number;
}

/** A validated create request: the record without the parts the server adds. */
export type StreamDefinition = Omit<StreamRecord, 'accountId' | 'createdAt' | 'credentials'>;

export const STREAM_NAME_MIN = 3;
export const STREAM_NAME_MAX = 100;
// Names appear in URLs and file names: no slashes, spaces or leading dots.
const STREAM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const DEFAULT_KEY_ROTATION_HOURS = 24;
export const MAX_KEY_ROTATION_HOURS = 168;
const MAX_DESCRIPTION = 1000;
const MAX_TAGS = 50;
const MAX_TAG_LENGTH = 100;

/** Whether a string is a valid stream name (3–100 characters, letters, digits, `.`, `_`, `-`, not leading). */
export function isValidStreamName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length >= STREAM_NAME_MIN &&
    name.length <= STREAM_NAME_MAX &&
    STREAM_NAME_PATTERN.test(name)
  );
}

function checkStreamName(name: unknown, field: string): string {
  if (typeof name !== 'string') throw new ValidationError(`${field} must be a string`);
  if (!isValidStreamName(name)) {
    throw new ValidationError(
      `${field} must be ${STREAM_NAME_MIN}–${STREAM_NAME_MAX} characters of letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** The `linkedStream` of a create request, if it names one: the caller loads that source before validating. */
export function requestedSourceName(req: unknown): string | undefined {
  if (!isJsonObject(req) || isAbsent(req.linkedStream)) return undefined;
  return typeof req.linkedStream === 'string' ? req.linkedStream : undefined;
}

function parseDescription(input: unknown): string {
  if (isAbsent(input)) return '';
  if (typeof input !== 'string' || input.length > MAX_DESCRIPTION) {
    throw new ValidationError(`description must be a string of at most ${MAX_DESCRIPTION} characters`);
  }
  return input;
}

function parseTags(input: unknown): string[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input) || input.length > MAX_TAGS) {
    throw new ValidationError(`tags must be an array of at most ${MAX_TAGS} strings`);
  }
  for (const tag of input) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > MAX_TAG_LENGTH) {
      throw new ValidationError(
        `tags must contain non-empty strings of at most ${MAX_TAG_LENGTH} characters`,
      );
    }
  }
  return [...new Set(input as string[])];
}

function parseKeyRotationHours(input: unknown): number {
  if (input === undefined || input === null) return DEFAULT_KEY_ROTATION_HOURS;
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 1 || input > MAX_KEY_ROTATION_HOURS) {
    throw new ValidationError(`keyRotationHours must be an integer from 1 to ${MAX_KEY_ROTATION_HOURS}`);
  }
  return input;
}

/** What every stream has, parsed before its kind decides the rest. */
interface CommonFields {
  description: string;
  tags: string[];
  /** Whether the request names consent levels (a non-empty list, or anything else that is not absent). */
  hasLevels: boolean;
}

/** A source stream: a name of its own; no consent levels or masked fields; its key rotation. */
function validateSourceStream(req: Record<string, unknown>, common: CommonFields): StreamDefinition {
  if (isAbsent(req.name)) throw new ValidationError('You must provide a name when creating a source stream');
  const name = checkStreamName(req.name, 'name');
  if (common.hasLevels) {
    throw new ValidationError('consentLevels are only allowed for derived streams (set linkedStream)');
  }
  if (!isAbsent(req.maskedFields)) {
    throw new ValidationError('maskedFields are only allowed for derived streams (set linkedStream)');
  }
  return {
    name,
    description: common.description,
    tags: common.tags,
    enabled: true,
    keyRotationHours: parseKeyRotationHours(req.keyRotationHours),
  };
}

/** The source a derived stream names must be the caller's, and itself a source stream. */
function checkDerivableSource(linkedStream: string, source: StreamRecord | undefined): void {
  if (!source || source.name !== linkedStream) {
    throw new ValidationError(`linkedStream '${linkedStream}' does not exist`);
  }
  if (source.linkedStream !== undefined) {
    throw new ValidationError(
      `linkedStream '${linkedStream}' is a derived stream; derive from a source stream`,
    );
  }
}

/** A derived stream: its source, a consent rule, a name (by default from both), optional masked fields. */
function validateDerivedStream(
  req: Record<string, unknown>,
  common: CommonFields,
  source: StreamRecord | undefined,
  newSeed: () => string,
): StreamDefinition {
  const linkedStream = checkStreamName(req.linkedStream, 'linkedStream');
  if (!common.hasLevels) throw new ValidationError('You need consent levels when creating a derived stream');
  const rule = parseConsentRule(req.consentLevels, req.consentLevelType);
  if (req.keyRotationHours !== undefined && req.keyRotationHours !== null) {
    throw new ValidationError('keyRotationHours applies only to source streams');
  }
  checkDerivableSource(linkedStream, source);
  const name = isAbsent(req.name)
    ? defaultDerivedStreamName(linkedStream, rule)
    : checkStreamName(req.name, 'name');
  if (isAbsent(req.name) && !isValidStreamName(name)) {
    throw new ValidationError(`the default name '${name}' is not a valid stream name; provide a name`);
  }
  return {
    name,
    linkedStream,
    consentLevels: [...rule.levels],
    consentLevelType: rule.type,
    description: common.description,
    tags: common.tags,
    enabled: true,
    ...(isAbsent(req.maskedFields) ? {} : { maskedFields: parseMaskedFields(req.maskedFields, newSeed) }),
  };
}

/**
 * Validates a `POST /v1/streams` body. `existing.source` is the stream named by `linkedStream` in the caller's
 * account (undefined when there is none). Throws ValidationError naming the field. A `consentLevelType` on a
 * source stream is ignored (clients may always send their default); consent levels, masked fields are not.
 */
export function validateStreamCreate(
  req: unknown,
  existing: { source?: StreamRecord },
  opts: { newSeed?: () => string } = {},
): StreamDefinition {
  if (!isJsonObject(req)) throw new ValidationError('request body must be a JSON object');
  const common: CommonFields = {
    description: parseDescription(req.description),
    tags: parseTags(req.tags),
    hasLevels: !(
      isAbsent(req.consentLevels) ||
      (Array.isArray(req.consentLevels) && req.consentLevels.length === 0)
    ),
  };
  return isAbsent(req.linkedStream)
    ? validateSourceStream(req, common)
    : validateDerivedStream(req, common, existing.source, opts.newSeed ?? generateMaskSeed);
}
