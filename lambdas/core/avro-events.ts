import { Type } from 'avsc';
import { ValidationError } from './errors';
import type { EventSchema } from './event-schemas';
import { isJsonObject } from './field-path';
import { MAX_JSON_DEPTH, valueNestingDepth } from './json-text';

/**
 * Avro for events (avsc): decoding one raw Avro binary datum — no container file, no magic byte, exactly
 * what `Type.toBuffer(event)` gives, as the original drivers send — by the schema the request names, and
 * checking a JSON event against an Avro schema. Events stay JSON inside the pipeline: unions that are
 * unambiguous (`["null","string"]`, the original schemas' only kind) become their plain value; bytes and
 * fixed become Avro-JSON strings (one character per byte); enums their symbol; maps objects.
 */

interface AvroField {
  name: string;
  type: Type;
}

const types = new WeakMap<EventSchema, Type>();

/** The avsc type of an Avro schema, compiled once per schema object; ValidationError when it is not one. */
export function avroTypeOf(schema: EventSchema): Type {
  const cached = types.get(schema);
  if (cached) return cached;
  let type: Type;
  try {
    // 'auto': unions whose branches JSON can tell apart are plain values, others stay {"branch": value}.
    type = Type.forSchema(schema.definition as never, { wrapUnions: 'auto' });
  } catch (error) {
    // avsc's messages name the schema part at fault (schema text, never event data).
    throw new ValidationError(`schema ${schema.ref} is not a valid Avro schema: ${(error as Error).message}`);
  }
  if (type.typeName !== 'record') {
    throw new ValidationError(`schema ${schema.ref} must be an Avro record (an event is a record)`);
  }
  types.set(schema, type);
  return type;
}

/** Checks that a definition is a usable Avro event schema (a record); ValidationError otherwise. */
export function checkAvroSchema(schema: EventSchema): void {
  avroTypeOf(schema);
}

/** An avsc value as plain JSON: Buffers as Avro-JSON strings, record instances as plain objects. */
function toJsonValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = toJsonValue(inner);
    return out;
  }
  return value;
}

function decodeFailure(schema: EventSchema, error: unknown): ValidationError {
  const message = (error as Error)?.message ?? '';
  if (message === 'truncated buffer') {
    return new ValidationError(
      `Avro body is truncated or not encoded with schema ${schema.ref} (it ended inside the event)`,
    );
  }
  if (message === 'trailing data') {
    return new ValidationError(
      `Avro body has bytes after the event: it is not one event encoded with schema ${schema.ref}`,
    );
  }
  return new ValidationError(`Avro body does not decode with schema ${schema.ref}`);
}

/** The JSON event a raw Avro binary body encodes with `schema`; ValidationError (400) when it does not. */
export function decodeAvroEvent(schema: EventSchema, body: Uint8Array): Record<string, unknown> {
  const type = avroTypeOf(schema);
  if (body.length === 0) throw new ValidationError('Avro body is empty');
  let decoded: unknown;
  try {
    decoded = type.fromBuffer(Buffer.from(body.buffer, body.byteOffset, body.length));
  } catch (error) {
    throw decodeFailure(schema, error);
  }
  // A recursive schema can nest as deep as the body says: the same bound as for JSON bodies.
  if (valueNestingDepth(decoded, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new ValidationError(`Avro event nests records more than ${MAX_JSON_DEPTH} levels deep`);
  }
  return toJsonValue(decoded) as Record<string, unknown>;
}

/** strmMeta fields the gateway sets: a JSON event need not carry them, whatever its schema declares. */
const GATEWAY_FIELDS = ['nonce', 'timestamp', 'keyLink', 'billingId'] as const;
const PLACEHOLDERS: readonly unknown[] = [null, 0, ''];

/** The event with each gateway field of strmMeta set to a value its schema type accepts. */
function withGatewayPlaceholders(type: Type, event: Record<string, unknown>): Record<string, unknown> {
  const fieldsOf = (record: Type) => (record as unknown as { fields: AvroField[] }).fields;
  const metaField = fieldsOf(type).find((field) => field.name === 'strmMeta');
  if (metaField?.type.typeName !== 'record' || !isJsonObject(event.strmMeta)) return event;
  const meta: Record<string, unknown> = { ...event.strmMeta };
  for (const field of fieldsOf(metaField.type)) {
    if (!(GATEWAY_FIELDS as readonly string[]).includes(field.name)) continue;
    const fits = PLACEHOLDERS.find((candidate) => field.type.isValid(candidate));
    if (fits !== undefined) meta[field.name] = fits;
  }
  return { ...event, strmMeta: meta };
}

/**
 * Checks a JSON event against an Avro schema: every field the event carries that the schema declares has
 * a value of its type, nested records included. Fields the event leaves out are fine (its contract says
 * which fields an event must carry, and JSON producers of this product send only those); undeclared
 * fields are allowed. ValidationError naming the first field that does not fit.
 */
export function checkJsonEventAgainstAvro(schema: EventSchema, event: Record<string, unknown>): void {
  const type = avroTypeOf(schema);
  const misfits: string[] = [];
  type.isValid(withGatewayPlaceholders(type, event), {
    errorHook: (path, value) => {
      if (value !== undefined) misfits.push(path.join('/'));
    },
  });
  if (misfits.length > 0) {
    throw new ValidationError(`event does not match schema ${schema.ref} at field '${misfits[0]}'`);
  }
}

/** The record type a field type holds: itself, or the record branch of a nullable union. */
function recordOf(type: Type): Type | undefined {
  if (type.typeName === 'record') return type;
  const branches = (type as unknown as { types?: Type[] }).types;
  return branches?.find((branch) => branch.typeName === 'record');
}

/** Whether a `/`-separated field path names a field of an Avro event schema (through nested records). */
export function avroSchemaHasField(schema: EventSchema, path: readonly string[]): boolean {
  let current: Type | undefined = avroTypeOf(schema);
  for (const segment of path) {
    const record: Type | undefined = current && recordOf(current);
    const fields: AvroField[] = (record as unknown as { fields?: AvroField[] } | undefined)?.fields ?? [];
    current = fields.find((field) => field.name === segment)?.type;
    if (!current) return false;
  }
  return true;
}
