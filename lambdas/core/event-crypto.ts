import type { ConsentRule } from './consent';
import { isEventIncluded, isLevelDecrypted } from './consent';
import { type ContractLookup, compileContract, type EventContract } from './contracts';
import { ValidationError } from './errors';
import { validateEvent } from './event-validation';
import { getField, isJsonObject, replaceField } from './field-path';
import { applyMasking, type MaskedFields } from './masking';
import { type ClientStrmMeta, readStrmMeta, type StrmStamp, stampStrmMeta } from './strm-meta';
import type { TinkDeterministicAead } from './tink-daead';

/**
 * The two transformations of an event: sealing at ingest (every PII field encrypted, strmMeta stamped)
 * and deriving for a derived stream (consent filter, partial decryption, masking).
 */
export interface IncomingEvent {
  event: Record<string, unknown>;
  contract: EventContract;
  meta: ClientStrmMeta;
  keyFieldValue: string;
  dataSubject?: string;
}

export interface DerivedStreamSpec {
  name: string;
  consent: ConsentRule;
  maskedFields?: MaskedFields;
}

/**
 * Parses and validates an ingest body: JSON object, strmMeta, contract (looked up by its canonical ref;
 * unknown → ValidationError naming the ref), contract validation. Throws ValidationError (400).
 */
export function parseIncomingEvent(body: string, contracts: ContractLookup): IncomingEvent {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new ValidationError('malformed JSON body');
  }
  if (!isJsonObject(event)) throw new ValidationError('event body must be a JSON object');
  const meta = readStrmMeta(event);
  const contract = contracts(meta.contractRef);
  if (!contract)
    throw new ValidationError(
      `unknown event contract '${meta.contractRef}' in strmMeta.eventContractRef`,
      'unknown_contract',
    );
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
 * Throws ValidationError for a malformed strmMeta and DecryptionError for a ciphertext that does not
 * open with `aead`. The source event is not modified.
 */
export function deriveEvent(
  sourceEvent: Record<string, unknown>,
  contract: EventContract,
  spec: DerivedStreamSpec,
  aead: TinkDeterministicAead,
): Record<string, unknown> | undefined {
  const { consentLevels } = readStrmMeta(sourceEvent);
  if (!isEventIncluded(spec.consent, consentLevels)) return undefined;
  const derived = structuredClone(sourceEvent);
  for (const { path, level } of compileContract(contract).piiFields) {
    if (!isLevelDecrypted(spec.consent, level)) continue;
    const value = getField(derived, path);
    if (value === undefined || value === null) continue;
    if (
      typeof value !== 'string' &&
      !(Array.isArray(value) && value.every((item) => typeof item === 'string'))
    ) {
      throw new ValidationError(
        `PII field '${path.join('/')}' in the source event is not a ciphertext string`,
      );
    }
    replaceField(
      derived,
      path,
      mapStrings(value as string | string[], (text) => aead.decryptString(text)),
    );
  }
  applyMasking(derived, contract.ref, spec.maskedFields);
  return derived;
}
