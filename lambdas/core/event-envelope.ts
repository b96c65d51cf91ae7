import { ValidationError } from './errors';
import { isJsonObject } from './field-path';

/**
 * The one wire contract between the data-path functions: a record of the source-events or derived-events
 * Kinesis stream. On the source stream `event` has every PII field encrypted; on the derived stream
 * `stream` is the derived stream's name and `event` the derived event. Built, encoded and decoded only here.
 */
export interface EventEnvelope {
  v: 1;
  accountId: string;
  stream: string;
  /**
   * The `createdAt` of the incarnation of `stream` the event belongs to: a stream deleted and created
   * again under its name is another incarnation, and none of its consumers may see the old one's events.
   * Absent only in records written before it existed (core/stream-incarnation.ts).
   */
  streamCreatedAt?: string;
  contractRef: string;
  event: Record<string, unknown>;
}

/** An envelope to write, with its partition key: the event's key link, so one session stays in order. */
export interface OutgoingRecord {
  envelope: EventEnvelope;
  partitionKey: string;
}

/** Where an event goes: a stream (by name and incarnation) of an account, and the event's contract. */
export interface EnvelopeTarget {
  accountId: string;
  stream: string;
  /** The stream's `createdAt`. */
  streamCreatedAt: string;
  contractRef: string;
}

/** The record for one event of a stream, partitioned by its key link. */
export function envelopeRecord(
  target: EnvelopeTarget,
  event: Record<string, unknown>,
  keyLink: string,
): OutgoingRecord {
  return {
    partitionKey: keyLink,
    envelope: {
      v: 1,
      accountId: target.accountId,
      stream: target.stream,
      streamCreatedAt: target.streamCreatedAt,
      contractRef: target.contractRef,
      event,
    },
  };
}

export function encodeEnvelope(envelope: EventEnvelope): Uint8Array {
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

/** Reads a record's data; ValidationError (without any content) when it is not an envelope. */
export function decodeEnvelope(data: Uint8Array): EventEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    throw new ValidationError('record data is not JSON');
  }
  if (
    !isJsonObject(parsed) ||
    parsed.v !== 1 ||
    typeof parsed.accountId !== 'string' ||
    typeof parsed.stream !== 'string' ||
    typeof parsed.contractRef !== 'string' ||
    (parsed.streamCreatedAt !== undefined && typeof parsed.streamCreatedAt !== 'string') ||
    !isJsonObject(parsed.event)
  ) {
    throw new ValidationError('record data is not a version 1 event envelope');
  }
  return parsed as unknown as EventEnvelope;
}

/** The start of every encoded envelope: version, account and stream, in the order envelopeRecord writes them. */
const ENVELOPE_HEAD = /^\{"v":1,"accountId":("(?:[^"\\]|\\.)*"),"stream":("(?:[^"\\]|\\.)*"),/;
/** Enough bytes for the head: an account id and a stream name (at most 100 characters) with their escapes. */
const HEAD_BYTES = 1024;

/**
 * The account and stream of an encoded envelope, read from its first bytes without parsing the event:
 * for consumers that want only some streams' records. undefined when the data is not an envelope.
 */
export function envelopeStreamOf(data: Uint8Array): { accountId: string; stream: string } | undefined {
  const head = ENVELOPE_HEAD.exec(Buffer.from(data.subarray(0, HEAD_BYTES)).toString('utf8'));
  if (head) return { accountId: JSON.parse(head[1]!), stream: JSON.parse(head[2]!) };
  // Written some other way (another field order): the whole envelope tells.
  try {
    const { accountId, stream } = decodeEnvelope(data);
    return { accountId, stream };
  } catch {
    return undefined;
  }
}
