import { AppError, ValidationError } from '../core/errors';
import { batchLayoutOf, splitEventBatch } from '../core/event-batch';
import {
  AVRO_BINARY,
  checkEventAgainstSchema,
  decodeEvent,
  parseSerializationType,
  requireAvroSchema,
} from '../core/event-serialization';
import { type DecodeEventPorts, type EventBody, schemaOfRef } from './decode-event-body';

/** The body of `POST /events`: `EventBody` plus its Content-Type, which says how the events are laid out. */
export interface EventBatchBody extends EventBody {
  contentType?: string;
}

/** One event of a batch: decoded, or the 4xx error that refuses it (its index is its position). */
export type DecodedBatchItem = { event: Record<string, unknown> } | { error: AppError };

/**
 * "Decode a batch body": the layout (core/event-batch.ts) from the Content-Type and serialization, the
 * schema `Strm-Schema-Ref` names looked up once, then every event decoded exactly as `POST /event` decodes
 * its body. A body that cannot be split is a ValidationError for the whole request; an event that does not
 * decode is refused alone.
 */
export async function decodeEventBatch(
  ports: DecodeEventPorts,
  accountId: string,
  body: EventBatchBody,
): Promise<DecodedBatchItem[]> {
  const serialization = parseSerializationType(body.serializationType);
  const parts = splitEventBatch(body.bytes, batchLayoutOf(body.contentType, serialization, body.bytes));
  const schema = await schemaOfRef(ports, accountId, body.schemaRef);
  // The refusal POST /event gives, once for the whole batch.
  if (serialization === AVRO_BINARY) requireAvroSchema(schema);
  return parts.map((part): DecodedBatchItem => {
    try {
      if ('error' in part) return { error: part.error };
      if ('value' in part) {
        if (schema) checkEventAgainstSchema(schema, part.value);
        return { event: part.value };
      }
      return { event: decodeEvent(part.bytes, serialization, schema) };
    } catch (error) {
      if (error instanceof AppError) return { error };
      return { error: new ValidationError('event could not be decoded') };
    }
  });
}
