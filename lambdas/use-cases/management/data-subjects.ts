import { ValidationError } from '../../core/errors';
import { isJsonObject } from '../../core/field-path';
import { keyedHash } from '../../core/keyed-hash';
import type { ManagementPorts } from './ports';

/** Longest data-subject id accepted. */
export const MAX_DATA_SUBJECT_LENGTH = 1000;

/**
 * `POST /v1/data-subjects/forget` with `{dataSubject}`: crypto-shreds every key link of that data subject
 * in the caller's account (the subject is found by its keyed hash, never stored in plain). The id travels
 * in the body, never in the path: API Gateway decodes the path before routing (and cuts it at a decoded
 * `?`), so an id in a path segment could name, and shred, another data subject. The number deleted.
 */
export async function forgetDataSubject(
  ports: Pick<ManagementPorts, 'keyLinks' | 'lookupSecret' | 'audit'>,
  accountId: string,
  body: unknown,
): Promise<number> {
  const dataSubject = parseDataSubject(body);
  const dataSubjectHash = keyedHash(await ports.lookupSecret(), accountId, dataSubject);
  const deleted = await ports.keyLinks.deleteByDataSubject(accountId, dataSubjectHash);
  ports.audit.info('data subject forgotten', { accountId, deletedKeyLinks: deleted.length });
  return deleted.length;
}

/** `{"dataSubject": "<id>"}` → the id: a non-empty string, as the contract's data-subject field holds. */
function parseDataSubject(body: unknown): string {
  const id = isJsonObject(body) ? body.dataSubject : undefined;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_DATA_SUBJECT_LENGTH) {
    throw new ValidationError(
      `dataSubject must be a non-empty string of at most ${MAX_DATA_SUBJECT_LENGTH} characters`,
    );
  }
  return id;
}
