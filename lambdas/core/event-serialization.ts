import { checkJsonEventAgainstAvro, decodeAvroEvent } from './avro-events';
import { UnsupportedMediaTypeError, ValidationError } from './errors';
import type { EventSchema } from './event-schemas';
import { isJsonObject } from './field-path';
import { checkJsonEventAgainstJsonSchema } from './json-schema-events';
import { parseJsonBytes } from './json-text';

/**
 * Decoding an ingest body into an event object, by its `Strm-Serialization-Type` and the schema its
 * `Strm-Schema-Ref` names. What comes after decoding (strmMeta, contract validation) does not depend on
 * either: events are JSON objects inside the pipeline.
 */
export type EventSerialization = 'application/json' | 'application/x-avro-binary';

export const AVRO_BINARY = 'application/x-avro-binary';

/**
 * The serialization a `Strm-Serialization-Type` header names: absent or empty means JSON, parameters
 * (`application/json; charset=utf-8`) are ignored. ValidationError (400) for any other type.
 */
export function parseSerializationType(header: string | undefined): EventSerialization {
  const type = mediaType(header);
  if (!type || type === 'application/json') return 'application/json';
  if (type === AVRO_BINARY) return AVRO_BINARY;
  // The message is the original gateway's wording; the docs list the two types.
  throw new ValidationError('unsupported serialization type');
}

/** The body content types ingest reads: none, JSON (any parameters) and octet-stream (the drivers' Avro). */
const BODY_CONTENT_TYPES = new Set(['application/json', 'application/octet-stream']);

/** Refuses a body `Content-Type` ingest does not read with 415 (an absent one is fine). */
export function checkBodyContentType(header: string | undefined): void {
  const type = mediaType(header);
  if (type === undefined || BODY_CONTENT_TYPES.has(type)) return;
  throw new UnsupportedMediaTypeError(
    'unsupported Content-Type: send application/json or application/octet-stream',
  );
}

function mediaType(header: string | undefined): string | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/** A JSON body as an event object: strict UTF-8, bounded nesting, an object at the top. */
export function decodeJsonEvent(body: Uint8Array, what = 'body'): Record<string, unknown> {
  const event = parseJsonBytes(body, what);
  if (!isJsonObject(event)) throw new ValidationError('event body must be a JSON object');
  return event;
}

/** Checks a JSON event against the schema its request names (Avro or JSON Schema). */
export function checkEventAgainstSchema(schema: EventSchema, event: Record<string, unknown>): void {
  if (schema.type === 'AVRO') checkJsonEventAgainstAvro(schema, event);
  else checkJsonEventAgainstJsonSchema(schema, event);
}

/** The schema Avro binary events decode with: the request must name one, and an Avro one (400 otherwise). */
export function requireAvroSchema(schema: EventSchema | undefined): EventSchema {
  if (!schema)
    throw new ValidationError('Avro binary events need a Strm-Schema-Ref header naming their schema');
  if (schema.type !== 'AVRO') {
    throw new ValidationError(`schema ${schema.ref} is a JSON Schema: send its events as application/json`);
  }
  return schema;
}

/**
 * The event object of a body; ValidationError (400, without any event content) when it is not one. JSON
 * is checked against `schema` when the request names one; Avro binary needs an Avro schema to decode.
 */
export function decodeEvent(
  body: Uint8Array,
  serialization: EventSerialization,
  schema?: EventSchema,
): Record<string, unknown> {
  if (serialization === AVRO_BINARY) return decodeAvroEvent(requireAvroSchema(schema), body);
  const event = decodeJsonEvent(body);
  if (schema) checkEventAgainstSchema(schema, event);
  return event;
}
