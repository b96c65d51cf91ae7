import { CLICKSTREAM_1_0_0_AVRO, CLICKSTREAM_LEGACY_AVRO, DEMO_1_0_2_AVRO } from './builtin-avro-schemas';
import { canonicalBuiltinRef } from './builtin-refs';
import { isContractRef, LEGACY_CLICKSTREAM_ID } from './contracts';
import { ValidationError } from './errors';
import { isJsonObject } from './field-path';
import { tooDeeplyNested, valueNestingDepth } from './json-text';

/**
 * Event schemas: the shape of an event as its producer serialises it, named by `Strm-Schema-Ref`
 * (`handle/name/version`, or the legacy `Strm-Schema-Id: clickstream`). An Avro schema decodes Avro binary
 * bodies and checks JSON bodies; a JSON Schema checks JSON bodies. The event contract (named inside the
 * event, `strmMeta.eventContractRef`) decides the privacy rules; many contracts may share one schema.
 */
export type SchemaType = 'AVRO' | 'JSONSCHEMA';

export interface EventSchema {
  /** `handle/name/version`, or `clickstream` for the legacy built-in. */
  ref: string;
  type: SchemaType;
  /** The Avro schema (JSON form) or the JSON Schema document. */
  definition: Record<string, unknown>;
}

export const CLICKSTREAM_SCHEMA_REF = 'streammachine/clickstream/1.0.0';
export const DEMO_SCHEMA_REF = 'streammachine/demo/1.0.2';

function builtin(ref: string, definition: object): EventSchema {
  return Object.freeze({ ref, type: 'AVRO', definition: definition as Record<string, unknown> });
}

/** The schemas every account can use without defining them. */
export const BUILTIN_SCHEMAS: readonly EventSchema[] = Object.freeze([
  builtin(LEGACY_CLICKSTREAM_ID, CLICKSTREAM_LEGACY_AVRO),
  builtin(CLICKSTREAM_SCHEMA_REF, CLICKSTREAM_1_0_0_AVRO),
  builtin(DEMO_SCHEMA_REF, DEMO_1_0_2_AVRO),
]);

const BUILTIN_BY_REF = new Map(BUILTIN_SCHEMAS.map((schema) => [schema.ref, schema]));

/** A built-in schema by any of its refs (`clickstream`, `strmprivacy/…`, `streammachine/…`). */
export function findBuiltinSchema(ref: string): EventSchema | undefined {
  return BUILTIN_BY_REF.get(canonicalBuiltinRef(ref, (canonical) => BUILTIN_BY_REF.has(canonical)));
}

/** Schema definitions are documents, not data: this bounds what a registry item and a compile may cost. */
export const MAX_SCHEMA_DEFINITION_BYTES = 64 * 1024;
/**
 * How deep a definition may nest: an Avro schema of an event nested as deep as ingest allows (64 levels)
 * takes about four levels per event level. Compilers (Ajv, avsc) recurse over the definition: bounded
 * here, a schema is refused with this reason instead of a stack overflow.
 */
export const MAX_SCHEMA_DEFINITION_DEPTH = 256;

const SCHEMA_TYPES: Readonly<Record<string, SchemaType>> = {
  AVRO: 'AVRO',
  avro: 'AVRO',
  JSONSCHEMA: 'JSONSCHEMA',
  JSON_SCHEMA: 'JSONSCHEMA',
  jsonschema: 'JSONSCHEMA',
  'json-schema': 'JSONSCHEMA',
};

/** The schema type a request names (`AVRO` or `JSONSCHEMA`, as the original's `schemaType`). */
export function parseSchemaType(value: unknown): SchemaType {
  const type = typeof value === 'string' ? SCHEMA_TYPES[value] : undefined;
  if (!type) throw new ValidationError("schema.type must be 'AVRO' or 'JSONSCHEMA'");
  return type;
}

/**
 * The ref, type and definition of a `POST /v1/schemas` body (the definition's own validity is checked by
 * the codec of its type). ValidationError naming the field.
 */
export function parseSchemaRequest(input: unknown): EventSchema {
  if (!isJsonObject(input)) throw new ValidationError('schema must be a JSON object');
  if (!isContractRef(input.ref)) {
    throw new ValidationError(
      "schema.ref must have the form 'handle/name/version' (e.g. 'acme/orders/1.0.0')",
    );
  }
  const type = parseSchemaType(input.type);
  if (!isJsonObject(input.definition)) {
    throw new ValidationError('schema.definition must be a JSON object (an Avro schema or a JSON Schema)');
  }
  // Before anything recursive (JSON.stringify, the compilers) touches it.
  if (valueNestingDepth(input.definition, MAX_SCHEMA_DEFINITION_DEPTH) > MAX_SCHEMA_DEFINITION_DEPTH) {
    throw tooDeeplyNested('schema.definition', MAX_SCHEMA_DEFINITION_DEPTH);
  }
  if (Buffer.byteLength(JSON.stringify(input.definition)) > MAX_SCHEMA_DEFINITION_BYTES) {
    throw new ValidationError(`schema.definition is larger than ${MAX_SCHEMA_DEFINITION_BYTES} bytes`);
  }
  return { ref: input.ref, type, definition: input.definition };
}

/** `handle/name/version` split; versions compare numerically, part by part. */
export function refParts(ref: string): { family: string; version: number[] } {
  const last = ref.lastIndexOf('/');
  return {
    family: ref.slice(0, last),
    version: ref
      .slice(last + 1)
      .split('.')
      .map(Number),
  };
}

/** Negative, zero or positive as version `a` is lower than, equal to or higher than `b`. */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
