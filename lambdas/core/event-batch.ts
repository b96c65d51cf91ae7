import { Type } from 'avsc';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './errors';
import { AVRO_BINARY, type EventSerialization } from './event-serialization';
import { isJsonObject } from './field-path';
import { decodeUtf8, MAX_JSON_DEPTH, parseJsonText } from './json-text';

/**
 * The body of `POST /events`: many events in one request, in one of three layouts.
 * - `json-array`: a JSON array of event objects (`Content-Type: application/json`, or none and the body
 *   starts with `[`).
 * - `ndjson`: one JSON event object per line (`Content-Type: application/x-ndjson` or
 *   `application/jsonl`, or none and the body does not start with `[`); blank lines are skipped.
 * - `avro-datums` (`Strm-Serialization-Type: application/x-avro-binary`): each event one raw Avro datum,
 *   preceded by its length in bytes as an Avro `long` (zig-zag varint) — the Avro `bytes` encoding of the
 *   datum, so any Avro library writes it: `Type.forSchema('bytes').toBuffer(datum)` per event, concatenated.
 *   The schema is the one `Strm-Schema-Ref` names, as for `POST /event`.
 * Splitting a body never decodes an event: a layout that cannot be split (a malformed array, a length
 * prefix past the end) fails the whole request (400); an element that is not an event fails only itself.
 */
export type EventBatchLayout = 'json-array' | 'ndjson' | 'avro-datums';

/** At most this many events per request (Kinesis PutRecords takes 500). */
export const MAX_BATCH_EVENTS = 500;

/**
 * The largest batch body: under Lambda's 6 MB synchronous invocation payload once API Gateway has
 * base64-encoded a binary body (4 MiB × 4/3 plus the event's other fields).
 */
export const MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024;

/** One event of a batch body, not yet decoded: its bytes, an already parsed JSON value, or why it is none. */
export type BatchPart =
  | { bytes: Uint8Array }
  | { value: Record<string, unknown> }
  | { error: ValidationError };

const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/jsonl']);
const JSON_TYPES = new Set(['application/json']);
const BINARY_TYPES = new Set(['application/octet-stream']);

function mediaType(header: string | undefined): string | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

/** The layout of a batch body from its Content-Type and serialization; 415 for a type batches do not use. */
export function batchLayoutOf(
  contentType: string | undefined,
  serialization: EventSerialization,
  body: Uint8Array,
): EventBatchLayout {
  const type = mediaType(contentType);
  if (serialization === AVRO_BINARY) {
    if (type === undefined || BINARY_TYPES.has(type)) return 'avro-datums';
    throw new UnsupportedMediaTypeError(
      'unsupported Content-Type for Avro batches: send application/octet-stream',
    );
  }
  if (type !== undefined && JSON_TYPES.has(type)) return 'json-array';
  if (type !== undefined && NDJSON_TYPES.has(type)) return 'ndjson';
  if (type === undefined) return firstNonBlankByte(body) === 0x5b /* [ */ ? 'json-array' : 'ndjson';
  throw new UnsupportedMediaTypeError(
    'unsupported Content-Type for a batch: send application/json (an array), application/x-ndjson or application/octet-stream (Avro)',
  );
}

function firstNonBlankByte(body: Uint8Array): number | undefined {
  for (const byte of body) if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return byte;
  return undefined;
}

/** The events of a batch body, in order; ValidationError (400) or PayloadTooLargeError (413) for the whole body. */
export function splitEventBatch(body: Uint8Array, layout: EventBatchLayout): BatchPart[] {
  const parts =
    layout === 'json-array'
      ? jsonArrayParts(body)
      : layout === 'ndjson'
        ? ndjsonParts(body)
        : avroParts(body);
  if (parts.length === 0) throw new ValidationError('the batch holds no events');
  if (parts.length > MAX_BATCH_EVENTS) {
    throw new PayloadTooLargeError(
      `a batch holds at most ${MAX_BATCH_EVENTS} events (this one has ${parts.length})`,
      'too_many_events',
    );
  }
  return parts;
}

function jsonArrayParts(body: Uint8Array): BatchPart[] {
  // One level more than an event may nest: the array itself.
  const parsed = parseJsonText(decodeUtf8(body), 'body', MAX_JSON_DEPTH + 1);
  if (!Array.isArray(parsed)) {
    throw new ValidationError(
      'a batch body must be a JSON array of events (or one event per line with Content-Type application/x-ndjson)',
    );
  }
  return parsed.map((value) =>
    isJsonObject(value) ? { value } : { error: new ValidationError('event must be a JSON object') },
  );
}

function ndjsonParts(body: Uint8Array): BatchPart[] {
  const parts: BatchPart[] = [];
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf(0x0a, start);
    if (end === -1) end = body.length;
    let line = body.subarray(start, end);
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    if (firstNonBlankByte(line) !== undefined) parts.push({ bytes: line });
    // Counting lines only: a body of many more lines than a batch may hold is refused without decoding them.
    if (parts.length > MAX_BATCH_EVENTS) break;
    start = end + 1;
  }
  return parts;
}

const AVRO_LONG = Type.forSchema('long');

function avroParts(body: Uint8Array): BatchPart[] {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.length);
  const parts: BatchPart[] = [];
  let position = 0;
  while (position < buffer.length && parts.length <= MAX_BATCH_EVENTS) {
    const { value, offset } = AVRO_LONG.decode(buffer, position) as { value: number; offset: number };
    if (offset === -1 || !Number.isSafeInteger(value) || value <= 0 || offset + value > buffer.length) {
      throw new ValidationError(
        `Avro batch body: the length prefix of event ${parts.length} is invalid or runs past the body ` +
          '(each event is its length as an Avro long, then the datum)',
      );
    }
    parts.push({ bytes: buffer.subarray(offset, offset + value) });
    position = offset + value;
  }
  return parts;
}
