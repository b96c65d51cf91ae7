import { ValidationError } from '../core/errors';
import type { EventSchema } from '../core/event-schemas';
import { decodeEvent, parseSerializationType } from '../core/event-serialization';

/**
 * "Decode an event body": the bytes of one event, by its `Strm-Serialization-Type` and the schema its
 * `Strm-Schema-Ref` (or legacy `Strm-Schema-Id`) names — a built-in under either original handle, or one
 * of the account's own. Avro binary needs that schema to decode; JSON is checked against it when named.
 * The result is the JSON event object EventAcceptor.accept takes.
 */
export interface EventBody {
  /** `Strm-Serialization-Type`; absent means JSON. */
  serializationType?: string;
  /** `Strm-Schema-Ref` (or `Strm-Schema-Id`). */
  schemaRef?: string;
  bytes: Uint8Array;
}

export interface DecodeEventPorts {
  /** The account's schema by ref: built-ins first, then its own (aws/account-schemas.ts). */
  schemas: { find(accountId: string, ref: string): Promise<EventSchema | undefined> };
}

/** The event a body encodes; ValidationError (400, naming the header or field, never content) when none. */
export async function decodeEventBody(
  ports: DecodeEventPorts,
  accountId: string,
  body: EventBody,
): Promise<Record<string, unknown>> {
  const serialization = parseSerializationType(body.serializationType);
  const schema = await schemaOfRef(ports, accountId, body.schemaRef);
  return decodeEvent(body.bytes, serialization, schema);
}

/** The schema a `Strm-Schema-Ref` value names, none for an absent one; 400 `unknown_schema` for a ref the account lacks. */
export async function schemaOfRef(
  ports: DecodeEventPorts,
  accountId: string,
  ref: string | undefined,
): Promise<EventSchema | undefined> {
  const trimmed = ref?.trim();
  if (!trimmed) return undefined;
  const schema = await ports.schemas.find(accountId, trimmed);
  if (!schema) {
    throw new ValidationError(
      `unknown schema '${trimmed.slice(0, 200)}' in Strm-Schema-Ref: register it with strm create schema`,
      'unknown_schema',
    );
  }
  return schema;
}
