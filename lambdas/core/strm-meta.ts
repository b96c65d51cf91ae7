import { randomInt } from 'node:crypto';
import { canonicalContractRef } from './contracts';
import { ValidationError } from './errors';
import { isJsonObject } from './field-path';

/**
 * `strmMeta`: the metadata record at the top of every event. The client names the contract
 * (`eventContractRef`, or legacy `schemaId`) and the consent levels; the gateway stamps `nonce`,
 * `timestamp`, `keyLink` and `billingId`, overwriting whatever the client sent.
 */
export interface ClientStrmMeta {
  /** Canonical contract ref (the legacy id `clickstream` is mapped to `streammachine/clickstream/1.0.0`). */
  contractRef: string;
  /** Sorted, de-duplicated consent levels, for consent decisions. The event's own list is not rewritten. */
  consentLevels: number[];
}

/** strmMeta of an event on the source stream: the client's part plus the key link the gateway stamped. */
export interface SealedStrmMeta extends ClientStrmMeta {
  keyLink: string;
}

export interface StrmStamp {
  nonce: number;
  timestamp: number;
  keyLink: string;
  /** The producing account's billing id (null for a token that predates billing ids); set when present. */
  billingId?: string | null;
}

const MAX_CONSENT_LEVELS = 1000;
const MAX_LEVEL = 2_147_483_647;

/** Reads an event's consent levels: an array of non-negative integers (duplicates tolerated). */
export function parseEventConsentLevels(value: unknown): number[] {
  if (!Array.isArray(value)) {
    throw new ValidationError('strmMeta.consentLevels must be an array of non-negative integers');
  }
  if (value.length > MAX_CONSENT_LEVELS) {
    throw new ValidationError(`strmMeta.consentLevels has more than ${MAX_CONSENT_LEVELS} entries`);
  }
  for (const level of value) {
    if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > MAX_LEVEL) {
      throw new ValidationError('strmMeta.consentLevels must be an array of non-negative integers');
    }
  }
  return [...new Set(value as number[])].sort((a, b) => a - b);
}

/**
 * Reads the client-supplied part of `strmMeta`. `eventContractRef` wins over the legacy `schemaId`.
 * Throws ValidationError naming the strmMeta field on a missing or wrongly typed value.
 */
export function readStrmMeta(event: Record<string, unknown>): ClientStrmMeta {
  const meta = event.strmMeta;
  if (meta === undefined || meta === null) throw new ValidationError('strmMeta is missing');
  if (!isJsonObject(meta)) throw new ValidationError('strmMeta must be an object');

  let contractRef: string;
  if (meta.eventContractRef !== undefined && meta.eventContractRef !== null) {
    if (typeof meta.eventContractRef !== 'string' || meta.eventContractRef.length === 0) {
      throw new ValidationError('strmMeta.eventContractRef must be a non-empty string');
    }
    contractRef = meta.eventContractRef;
  } else if (meta.schemaId !== undefined && meta.schemaId !== null) {
    if (typeof meta.schemaId !== 'string' || meta.schemaId.length === 0) {
      throw new ValidationError('strmMeta.schemaId must be a non-empty string');
    }
    contractRef = meta.schemaId;
  } else {
    throw new ValidationError('strmMeta.eventContractRef is missing');
  }

  if (meta.consentLevels === undefined || meta.consentLevels === null) {
    throw new ValidationError('strmMeta.consentLevels is missing');
  }
  return {
    contractRef: canonicalContractRef(contractRef),
    consentLevels: parseEventConsentLevels(meta.consentLevels),
  };
}

/**
 * Reads the strmMeta of a sealed (ingested) event: the client's part as readStrmMeta checks it, and the
 * key link its PII fields are encrypted with. Throws ValidationError when either is missing or malformed.
 */
export function readSealedStrmMeta(event: Record<string, unknown>): SealedStrmMeta {
  const meta = readStrmMeta(event);
  const keyLink = (event.strmMeta as Record<string, unknown>).keyLink;
  if (typeof keyLink !== 'string' || keyLink.length === 0) {
    throw new ValidationError('strmMeta.keyLink is missing');
  }
  return { ...meta, keyLink };
}

/** Sets the gateway's fields on `event.strmMeta` (in place), overwriting client-sent values. */
export function stampStrmMeta(event: Record<string, unknown>, stamp: StrmStamp): void {
  const meta = isJsonObject(event.strmMeta) ? event.strmMeta : {};
  meta.nonce = stamp.nonce;
  meta.timestamp = stamp.timestamp;
  meta.keyLink = stamp.keyLink;
  if (stamp.billingId !== undefined) meta.billingId = stamp.billingId;
  event.strmMeta = meta;
}

/** A random signed 32-bit nonce (negative values are normal, as in the original gateway). */
export function randomNonce(): number {
  return randomInt(-2_147_483_648, 2_147_483_648); // upper bound is exclusive
}

/** The stamp for one accepted event: random nonce, the given time, the event's key link id (and billing id). */
export function newStrmStamp(keyLink: string, nowMs: number, billingId?: string | null): StrmStamp {
  const stamp: StrmStamp = { nonce: randomNonce(), timestamp: nowMs, keyLink };
  if (billingId !== undefined) stamp.billingId = billingId;
  return stamp;
}
