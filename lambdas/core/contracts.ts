import { RE2JS, RE2JSSyntaxException } from 're2js';
import { canonicalBuiltinRef } from './builtin-refs';
import { ValidationError } from './errors';
import { type FieldPath, isJsonObject, parseFieldPath, touchesStrmMeta } from './field-path';

/**
 * Event contracts: which field is the key field, which fields are personal data (PII) at which
 * consent level, and which regex validations an event must pass. Paths use `/` (`customer/id`).
 *
 * Regex semantics: a validation passes when the regex matches ANYWHERE in the value (no flags), the
 * way a Java `Matcher.find()` would. Patterns use RE2 syntax and run on RE2JS, which matches in time
 * linear in the value: contract regexes are user input run on the ingest hot path, so a backtracking
 * engine would let one contract stall ingest (ReDoS). RE2 has no backreferences or lookarounds; such
 * patterns are rejected when the contract is created. The original product
 * never documented full-match vs find; its examples anchor with `^` (and `$` where they mean it), which
 * behaves the same under both readings, and find is what a regex without anchors suggests to its author.
 */
export interface FieldValidation {
  field: string;
  type: 'regex';
  value: string;
}

export interface EventContract {
  ref: string;
  keyField: string;
  piiFields: Record<string, number>;
  validations: FieldValidation[];
  dataSubjectField?: string;
  schemaRef?: string;
}

export type ContractLookup = (ref: string) => EventContract | undefined;

/** The legacy `strmMeta.schemaId` / `Strm-Schema-Id` value that names the clickstream contract. */
export const LEGACY_CLICKSTREAM_ID = 'clickstream';
export const CLICKSTREAM_CONTRACT_REF = 'streammachine/clickstream/1.0.0';
export const EXAMPLE_CONTRACT_REF = 'streammachine/example/1.3.0';

const CLICKSTREAM_URL_REGEX = '^(https?|ftp|file)://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|]';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The contracts every account can use without defining them. */
export const BUILTIN_CONTRACTS: readonly EventContract[] = deepFreeze<EventContract[]>([
  {
    ref: CLICKSTREAM_CONTRACT_REF,
    keyField: 'producerSessionId',
    piiFields: { 'customer/id': 0, producerSessionId: 1 },
    validations: [
      { field: 'url', type: 'regex', value: CLICKSTREAM_URL_REGEX },
      { field: 'customer/id', type: 'regex', value: '^.+$' },
    ],
    dataSubjectField: 'customer/id',
    schemaRef: 'streammachine/clickstream/1.0.0',
  },
  {
    ref: EXAMPLE_CONTRACT_REF,
    keyField: 'consistentValue',
    piiFields: { uniqueIdentifier: 1, consistentValue: 2, someSensitiveValue: 3 },
    validations: [{ field: 'consistentValue', type: 'regex', value: '^.+$' }],
    schemaRef: 'streammachine/demo/1.0.2',
  },
]);

const BUILTIN_BY_REF = new Map<string, EventContract>(BUILTIN_CONTRACTS.map((c) => [c.ref, c]));

/**
 * The canonical ref of a contract: the legacy id `clickstream` and the built-ins under the `strmprivacy/`
 * handle (`strmprivacy/example/1.3.0`) map to the built-in refs; any other value is returned unchanged.
 */
export function canonicalContractRef(refOrLegacyId: string): string {
  if (refOrLegacyId === LEGACY_CLICKSTREAM_ID) return CLICKSTREAM_CONTRACT_REF;
  return canonicalBuiltinRef(refOrLegacyId, (canonical) => BUILTIN_BY_REF.has(canonical));
}

/** A built-in contract by its ref (under either original handle), or by the legacy id `clickstream`. */
export function findBuiltinContract(refOrLegacyId: string): EventContract | undefined {
  return BUILTIN_BY_REF.get(canonicalContractRef(refOrLegacyId));
}

/** `handle/name/version`: handle and name of letters, digits, `_`, `.`, `-`; version `major.minor.patch`. */
export const CONTRACT_REF_PATTERN =
  /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\/[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\/\d{1,9}\.\d{1,9}\.\d{1,9}$/;

/** True when a string has the `handle/name/version` shape of a contract ref. */
export function isContractRef(value: unknown): value is string {
  return typeof value === 'string' && CONTRACT_REF_PATTERN.test(value);
}

const MAX_PII_FIELDS = 200;
const MAX_VALIDATIONS = 100;
const MAX_REGEX_LENGTH = 1000;
const MAX_CONSENT_LEVEL = 2_147_483_647;

function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ValidationError(`contract.${name} must be a string`);
  return value;
}

function checkEventPath(path: unknown, what: string): string {
  const parsed = parseFieldPath(path, what);
  if (touchesStrmMeta(parsed)) throw new ValidationError(`${what} must not point into strmMeta`);
  return path as string;
}

/** A compiled validation regex: `test` is true when the pattern matches anywhere in the value. */
export interface ValidationRegex {
  test(value: string): boolean;
}

/** True when JavaScript's backtracking engine accepts a pattern (used only to word the error). */
function isJavaScriptRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles a validation regex with RE2JS (linear-time matching). A pattern that does not compile is a
 * ValidationError naming `what` (and the validated event `field`, when given); a pattern only a
 * backtracking engine understands (backreferences, lookarounds) is reported as unsupported syntax.
 */
export function compileValidationRegex(pattern: unknown, what: string, field?: string): ValidationRegex {
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new ValidationError(`${what} must be a non-empty regular expression`);
  }
  if (pattern.length > MAX_REGEX_LENGTH) {
    throw new ValidationError(`${what} is longer than ${MAX_REGEX_LENGTH} characters`);
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    const subject = field === undefined ? what : `${what} (field '${field}')`;
    if (isJavaScriptRegex(pattern)) {
      // RE2's description quotes only the offending part of the pattern (contract text, not event data).
      const reason = error instanceof RE2JSSyntaxException ? `: ${error.getDescription()}` : '';
      throw new ValidationError(
        `${subject} uses unsupported regular expression syntax${reason} (RE2 syntax: no backreferences or lookarounds)`,
      );
    }
    throw new ValidationError(`${subject} is not a valid regular expression`);
  }
  return { test: (value) => compiled.test(value) };
}

/**
 * Validates a user-supplied contract definition (the management API's `POST /v1/contracts` body) and
 * returns a clean copy. Unknown properties are ignored. Throws ValidationError naming the field.
 */
export function parseContractDefinition(input: unknown): EventContract {
  if (!isJsonObject(input)) throw new ValidationError('contract must be a JSON object');
  const ref = input.ref;
  if (!isContractRef(ref)) {
    throw new ValidationError(
      "contract.ref must have the form 'handle/name/version' (e.g. 'acme/orders/1.0.0')",
    );
  }
  if (input.keyField === undefined || input.keyField === null || input.keyField === '') {
    throw new ValidationError('contract.keyField is required');
  }
  const keyField = checkEventPath(input.keyField, 'contract.keyField');

  const piiInput = input.piiFields ?? {};
  if (!isJsonObject(piiInput))
    throw new ValidationError('contract.piiFields must be an object of field path → level');
  const piiEntries = Object.entries(piiInput);
  if (piiEntries.length > MAX_PII_FIELDS) {
    throw new ValidationError(`contract.piiFields has more than ${MAX_PII_FIELDS} fields`);
  }
  const piiFields: Record<string, number> = {};
  for (const [field, level] of piiEntries) {
    checkEventPath(field, 'contract.piiFields key');
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > MAX_CONSENT_LEVEL) {
      throw new ValidationError(
        `contract.piiFields['${field}'] must be a non-negative integer consent level`,
      );
    }
    piiFields[field] = level;
  }

  const validationsInput = input.validations ?? [];
  if (!Array.isArray(validationsInput)) throw new ValidationError('contract.validations must be an array');
  if (validationsInput.length > MAX_VALIDATIONS) {
    throw new ValidationError(`contract.validations has more than ${MAX_VALIDATIONS} entries`);
  }
  const validations: FieldValidation[] = validationsInput.map((validation, index) => {
    const what = `contract.validations[${index}]`;
    if (!isJsonObject(validation))
      throw new ValidationError(`${what} must be an object {field, type, value}`);
    const field = checkEventPath(validation.field, `${what}.field`);
    if (validation.type !== 'regex') throw new ValidationError(`${what}.type must be 'regex'`);
    compileValidationRegex(validation.value, `${what}.value`, field);
    return { field, type: 'regex', value: validation.value as string };
  });

  const contract: EventContract = { ref, keyField, piiFields, validations };
  const dataSubjectField = optionalString(input, 'dataSubjectField');
  if (dataSubjectField !== undefined) {
    contract.dataSubjectField = checkEventPath(dataSubjectField, 'contract.dataSubjectField');
  }
  const schemaRef = optionalString(input, 'schemaRef');
  if (schemaRef !== undefined) contract.schemaRef = schemaRef;
  return contract;
}

/** A contract's paths and regexes, parsed once per contract object (contracts are immutable values). */
export interface CompiledContract {
  keyField: FieldPath;
  piiFields: readonly { field: string; path: FieldPath; level: number }[];
  validations: readonly { field: string; path: FieldPath; regex: ValidationRegex; pattern: string }[];
  dataSubjectField?: FieldPath;
}

const compiledCache = new WeakMap<EventContract, CompiledContract>();

/** The parsed form of a contract, cached per contract object. */
export function compileContract(contract: EventContract): CompiledContract {
  const cached = compiledCache.get(contract);
  if (cached) return cached;
  const compiled: CompiledContract = {
    keyField: parseFieldPath(contract.keyField, 'contract.keyField'),
    piiFields: Object.entries(contract.piiFields).map(([field, level]) => ({
      field,
      path: parseFieldPath(field, 'contract.piiFields key'),
      level,
    })),
    validations: contract.validations.map((v, index) => ({
      field: v.field,
      path: parseFieldPath(v.field, `contract.validations[${index}].field`),
      regex: compileValidationRegex(v.value, `contract.validations[${index}].value`, v.field),
      pattern: v.value,
    })),
    dataSubjectField:
      contract.dataSubjectField === undefined
        ? undefined
        : parseFieldPath(contract.dataSubjectField, 'contract.dataSubjectField'),
  };
  compiledCache.set(contract, compiled);
  return compiled;
}
