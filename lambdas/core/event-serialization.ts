import { ValidationError } from './errors';
import { isJsonObject } from './field-path';

/**
 * Decoding an ingest body into an event object, by its `Strm-Serialization-Type`. JSON is the default and
 * for now the only type; what comes after decoding (strmMeta, contract validation) does not depend on it.
 */
export type EventSerialization = 'application/json';

const utf8 = new TextDecoder();

/**
 * The serialization a `Strm-Serialization-Type` header names: absent or empty means JSON, parameters
 * (`application/json; charset=utf-8`) are ignored. Throws ValidationError (400) for any other type.
 */
export function parseSerializationType(header: string | undefined): EventSerialization {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  if (!type || type === 'application/json') return 'application/json';
  throw new ValidationError('unsupported serialization type');
}

/** The event object of a body; ValidationError (400, without any content) when it is not one. */
export function decodeEvent(body: Uint8Array, _serialization: EventSerialization): Record<string, unknown> {
  let event: unknown;
  try {
    event = JSON.parse(utf8.decode(body));
  } catch {
    throw new ValidationError('malformed JSON body');
  }
  if (!isJsonObject(event)) throw new ValidationError('event body must be a JSON object');
  return event;
}
