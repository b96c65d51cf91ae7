import type { ConsentRule } from './consent';
import { isEventIncluded, isLevelDecrypted } from './consent';
import { compileContract, type EventContract } from './contracts';
import { ValidationError } from './errors';
import { isStringOrStringList, validateEvent } from './event-validation';
import { getField, replaceField } from './field-path';
import { applyMasking, type MaskedFields } from './masking';
import { type ClientStrmMeta, type StrmStamp, stampStrmMeta } from './strm-meta';
import type { TinkDeterministicAead } from './tink-daead';

/**
 * The two transformations of an event: sealing at ingest (every PII field encrypted, strmMeta stamped)
 * and deriving for a derived stream (consent filter, partial decryption, masking).
 */

/** An event received at ingest, valid for its contract, with what validation extracted from it. */
export interface IncomingEvent {
  event: Record<string, unknown>;
  contract: EventContract;
  meta: ClientStrmMeta;
  keyFieldValue: string;
  dataSubject?: string;
}

/**
 * An event read from the source stream (every PII field encrypted) with its contract and its strmMeta,
 * read once per record however many derived streams it feeds.
 */
export interface SealedEvent {
  event: Record<string, unknown>;
  contract: EventContract;
  meta: Pick<ClientStrmMeta, 'consentLevels'>;
}

export interface DerivedStreamSpec {
  name: string;
  consent: ConsentRule;
  maskedFields?: MaskedFields;
}

/**
 * An event received at ingest, already decoded (see event-serialization.ts) and its strmMeta read, checked
 * against the contract its strmMeta names. `contract` is undefined when no contract has that ref: a
 * ValidationError naming the ref (code `unknown_contract`). Contract violations throw ValidationError (400).
 */
export function incomingEvent(
  event: Record<string, unknown>,
  meta: ClientStrmMeta,
  contract: EventContract | undefined,
): IncomingEvent {
  if (!contract) {
    throw new ValidationError(
      `unknown event contract '${meta.contractRef}' in strmMeta.eventContractRef`,
      'unknown_contract',
    );
  }
  const { keyFieldValue, dataSubject } = validateEvent(event, contract);
  const incoming: IncomingEvent = { event, contract, meta, keyFieldValue };
  if (dataSubject !== undefined) incoming.dataSubject = dataSubject;
  return incoming;
}

function mapStrings(value: string | string[], transform: (text: string) => string): string | string[] {
  return typeof value === 'string' ? transform(value) : value.map(transform);
}

/**
 * A copy of the event with every PII field that is present encrypted (a string becomes one Base64 Tink
 * ciphertext, a list of strings a list of ciphertexts; null stays null) and strmMeta stamped.
 * The incoming event is not modified.
 */
export function sealEvent(
  incoming: IncomingEvent,
  aead: TinkDeterministicAead,
  stamp: StrmStamp,
): Record<string, unknown> {
  const sealed = structuredClone(incoming.event);
  for (const { path } of compileContract(incoming.contract).piiFields) {
    const value = getField(sealed, path);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && !Array.isArray(value)) continue; // validateEvent rejects these
    replaceField(
      sealed,
      path,
      mapStrings(value as string | string[], (text) => aead.encryptString(text)),
    );
  }
  stampStrmMeta(sealed, stamp);
  return sealed;
}

/**
 * The event as a derived stream sees it, or undefined when its consent levels exclude it. Exactly the
 * PII fields whose level the rule allows are decrypted; the other PII fields stay ciphertext; non-PII
 * fields and strmMeta are unchanged; then the stream's masked fields for this contract are masked.
 * Throws ValidationError for a PII field that is not ciphertext and DecryptionError for a ciphertext that
 * does not open with `aead`. The source event is not modified.
 */
export function deriveEvent(
  source: SealedEvent,
  spec: DerivedStreamSpec,
  aead: TinkDeterministicAead,
): Record<string, unknown> | undefined {
  if (!isEventIncluded(spec.consent, source.meta.consentLevels)) return undefined;
  const derived = structuredClone(source.event);
  for (const { path, level } of compileContract(source.contract).piiFields) {
    if (!isLevelDecrypted(spec.consent, level)) continue;
    const value = getField(derived, path);
    if (value === undefined || value === null) continue;
    if (!isStringOrStringList(value)) {
      throw new ValidationError(
        `PII field '${path.join('/')}' in the source event is not a ciphertext string`,
      );
    }
    replaceField(
      derived,
      path,
      mapStrings(value, (text) => aead.decryptString(text)),
    );
  }
  applyMasking(derived, source.contract.ref, spec.maskedFields);
  return derived;
}
