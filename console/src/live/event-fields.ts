import { getField, isJsonObject, parseFieldPath } from '../../../lambdas/core/field-path';

/**
 * Reading the parts of a stream event the console shows: its `strmMeta` (the row it belongs to) and its
 * PII fields by contract path. Pure, shared by the live view and its unit tests.
 */

export type StreamEvent = Record<string, unknown>;

/** What the console needs of an event's strmMeta; the gateway sets keyLink, nonce and timestamp. */
export interface EventMeta {
  keyLink: string;
  nonce: number;
  /** Milliseconds since the epoch, as stamped at ingest. */
  timestamp?: number;
  consentLevels: number[];
  contractRef?: string;
}

const LEGACY_CONTRACT_IDS: Readonly<Record<string, string>> = {
  clickstream: 'streammachine/clickstream/1.0.0',
};

/** The event's strmMeta, or undefined when it lacks the keyLink and nonce that identify it. */
export function eventMetaOf(event: StreamEvent): EventMeta | undefined {
  const meta = event.strmMeta;
  if (!isJsonObject(meta)) return undefined;
  const { keyLink, nonce, timestamp, consentLevels } = meta;
  if (typeof keyLink !== 'string' || keyLink === '' || !Number.isInteger(nonce)) return undefined;
  const levels = Array.isArray(consentLevels)
    ? consentLevels.filter((l): l is number => Number.isInteger(l))
    : [];
  const ref = meta.eventContractRef ?? meta.schemaId;
  return {
    keyLink,
    nonce: nonce as number,
    timestamp: typeof timestamp === 'number' ? timestamp : undefined,
    consentLevels: levels,
    contractRef: typeof ref === 'string' ? (LEGACY_CONTRACT_IDS[ref] ?? ref) : undefined,
  };
}

/**
 * The key that identifies one event in every stream it reaches: a derived event keeps the source event's
 * strmMeta unchanged, so `keyLink` + `nonce` name the same event in the source and each derived stream.
 */
export function rowKeyOf(meta: Pick<EventMeta, 'keyLink' | 'nonce'>): string {
  return `${meta.keyLink}/${meta.nonce}`;
}

/** The value at a contract field path (`customer/id`), or undefined when absent. */
export function fieldValue(event: StreamEvent, path: string): unknown {
  try {
    return getField(event, parseFieldPath(path, 'field'));
  } catch {
    return undefined;
  }
}

/** A contract path as people read it in JSON: `customer/id` → `customer.id`. */
export function displayPath(path: string): string {
  return path.split('/').join('.');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Tink output prefix (1) + key id (4) + SIV (16): the shortest possible ciphertext. */
const MIN_CIPHERTEXT_BYTES = 21;

/**
 * Whether a value has the shape of a field ciphertext: standard padded Base64 of at least 21 bytes whose
 * first byte is Tink's 0x01 prefix. Used only when there is no source value to compare with.
 */
export function looksLikeCiphertext(value: unknown): boolean {
  if (typeof value !== 'string' || value.length < 28 || !BASE64.test(value)) return false;
  const bytes = atob(value);
  return bytes.length >= MIN_CIPHERTEXT_BYTES && bytes.charCodeAt(0) === 0x01;
}

/** A field value as one line of text. */
export function displayValue(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
