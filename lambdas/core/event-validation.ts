import { compileContract, type EventContract } from './contracts';
import { ValidationError } from './errors';
import { formatFieldPath, getField, isJsonObject } from './field-path';

/** What validation extracts from a valid event. */
export interface ValidatedFields {
  /** The key field's value (non-empty string). */
  keyFieldValue: string;
  /** The data subject field's value, when the contract names one and the event has a non-empty string there. */
  dataSubject?: string;
}

/** A string, or a list whose elements are all strings (the only shapes a PII field may have). */
export function isStringOrStringList(value: unknown): value is string | string[] {
  return (
    typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))
  );
}

/**
 * Checks an event against its contract and returns the key-field and data-subject values.
 * Rules: the body is a JSON object; the key field is a non-empty string; every PII field is a string,
 * a list of strings, null or absent (absent/null is fine except for the key field); every regex
 * validation matches (RE2, anywhere in the value; a list must match element by element;
 * a missing field fails its validation). Messages name the field and the contract but NEVER contain a
 * field's value (it may be personal data). Throws ValidationError.
 */
export function validateEvent(event: unknown, contract: EventContract): ValidatedFields {
  if (!isJsonObject(event)) throw new ValidationError('event body must be a JSON object');
  const compiled = compileContract(contract);
  const inContract = `in event with contract '${contract.ref}'`;

  const keyFieldValue = getField(event, compiled.keyField);
  const keyName = formatFieldPath(compiled.keyField);
  if (keyFieldValue === undefined || keyFieldValue === null) {
    throw new ValidationError(`Key field '${keyName}' ${inContract} is missing`);
  }
  if (typeof keyFieldValue !== 'string') {
    throw new ValidationError(`Key field '${keyName}' ${inContract} must be a string`);
  }
  if (keyFieldValue.length === 0) {
    throw new ValidationError(`Key field '${keyName}' ${inContract} must not be empty`);
  }

  for (const { field, path } of compiled.piiFields) {
    const value = getField(event, path);
    if (value === undefined || value === null) continue;
    if (!isStringOrStringList(value)) {
      throw new ValidationError(`PII field '${field}' ${inContract} must be a string or a list of strings`);
    }
  }

  for (const { field, path, regex, pattern } of compiled.validations) {
    const value = getField(event, path);
    if (value === undefined || value === null) {
      throw new ValidationError(`Field '${field}' ${inContract} is missing (it has a regex validation)`);
    }
    const candidates = Array.isArray(value) ? value : [value];
    for (const candidate of candidates) {
      if (typeof candidate !== 'string' && typeof candidate !== 'number' && typeof candidate !== 'boolean') {
        throw new ValidationError(
          `Field '${field}' ${inContract} must be a string to be matched against regex '${pattern}'`,
        );
      }
      if (!regex.test(String(candidate))) {
        throw new ValidationError(`Field '${field}' ${inContract} doesn't match regex '${pattern}'`);
      }
    }
  }

  const result: ValidatedFields = { keyFieldValue };
  if (compiled.dataSubjectField) {
    const subject = getField(event, compiled.dataSubjectField);
    if (subject !== undefined && subject !== null && typeof subject !== 'string') {
      throw new ValidationError(
        `Data subject field '${formatFieldPath(compiled.dataSubjectField)}' ${inContract} must be a string`,
      );
    }
    if (typeof subject === 'string' && subject.length > 0) result.dataSubject = subject;
  }
  return result;
}
