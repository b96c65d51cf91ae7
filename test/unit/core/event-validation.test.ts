import { findBuiltinContract, parseContractDefinition } from '../../../lambdas/core/contracts';
import { ValidationError } from '../../../lambdas/core/errors';
import { validateEvent } from '../../../lambdas/core/event-validation';
import { clickstreamEvent, exampleEvent } from '../../support/factories';

const clickstream = findBuiltinContract('clickstream')!;
const example = findBuiltinContract('streammachine/example/1.3.0')!;

function rejection(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('validating an event against its contract', () => {
  it('accepts a simulator clickstream event and returns its key field and data subject', () => {
    expect(validateEvent(clickstreamEvent(), clickstream)).toEqual({
      keyFieldValue: 'session-42',
      dataSubject: 'customer-session-42',
    });
  });

  it('accepts an example event without a data subject', () => {
    expect(validateEvent(exampleEvent(), example)).toEqual({ keyFieldValue: 'session-7' });
  });

  it.each([null, [], 'text', 3])('rejects the body %j that is not a JSON object', (body) => {
    expect(rejection(() => validateEvent(body, clickstream)).message).toBe(
      'event body must be a JSON object',
    );
  });

  describe('the key field', () => {
    it('must be present', () => {
      const error = rejection(() =>
        validateEvent(clickstreamEvent({ producerSessionId: undefined }), clickstream),
      );
      expect(error.message).toBe(
        "Key field 'producerSessionId' in event with contract 'streammachine/clickstream/1.0.0' is missing",
      );
    });

    it('must not be null even though it is an optional-looking PII field', () => {
      expect(() => validateEvent(clickstreamEvent({ producerSessionId: null }), clickstream)).toThrow(
        /is missing/,
      );
    });

    it('must not be empty', () => {
      expect(() => validateEvent(clickstreamEvent({ producerSessionId: '' }), clickstream)).toThrow(
        /Key field 'producerSessionId'.*must not be empty/,
      );
    });

    it('must be a string', () => {
      expect(() => validateEvent(exampleEvent({ consistentValue: ['a'] }), example)).toThrow(
        /Key field 'consistentValue'.*must be a string/,
      );
    });
  });

  describe('PII fields', () => {
    it('may be absent or null when they are not the key field', () => {
      expect(() =>
        validateEvent(exampleEvent({ uniqueIdentifier: null, someSensitiveValue: undefined }), example),
      ).not.toThrow();
    });

    it('may be a list of strings', () => {
      expect(() => validateEvent(exampleEvent({ uniqueIdentifier: ['a', 'b'] }), example)).not.toThrow();
    });

    it.each([42, true, { nested: 'x' }, ['a', 1]])('must not be %j', (value) => {
      const error = rejection(() => validateEvent(exampleEvent({ someSensitiveValue: value }), example));
      expect(error.message).toBe(
        "PII field 'someSensitiveValue' in event with contract 'streammachine/example/1.3.0' must be a string or a list of strings",
      );
    });
  });

  describe('regex validations', () => {
    it('name the field, the contract and the regex when a value does not match', () => {
      const error = rejection(() => validateEvent(clickstreamEvent({ url: 'not a url' }), clickstream));
      expect(error.message).toBe(
        "Field 'url' in event with contract 'streammachine/clickstream/1.0.0' doesn't match regex " +
          "'^(https?|ftp|file)://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|]'",
      );
    });

    it('never put the rejected value into the message', () => {
      const secret = 'jane.doe@example.com';
      const messages = [
        rejection(() => validateEvent(clickstreamEvent({ url: secret }), clickstream)).message,
        rejection(() => validateEvent(clickstreamEvent({ customer: { id: '' } }), clickstream)).message,
        rejection(() => validateEvent(exampleEvent({ someSensitiveValue: { email: secret } }), example))
          .message,
      ];
      for (const message of messages) expect(message).not.toContain(secret);
    });

    it('validate nested fields by their / path', () => {
      expect(() => validateEvent(clickstreamEvent({ customer: { id: '' } }), clickstream)).toThrow(
        /Field 'customer\/id'.*doesn't match regex '\^\.\+\$'/,
      );
    });

    it('fail when the validated field is missing', () => {
      expect(() => validateEvent(clickstreamEvent({ url: undefined }), clickstream)).toThrow(
        /Field 'url'.*is missing/,
      );
    });

    it('match anywhere in the value (RegExp.test), so unanchored patterns find substrings', () => {
      const contract = parseContractDefinition({
        ref: 'acme/tags/1.0.0',
        keyField: 'id',
        validations: [{ field: 'tag', type: 'regex', value: '[0-9]{3}' }],
      });
      expect(() => validateEvent({ id: 'k', tag: 'abc-123-def' }, contract)).not.toThrow();
      expect(() => validateEvent({ id: 'k', tag: 'abc-12-def' }, contract)).toThrow(/doesn't match/);
    });

    it('run in linear time, so a catastrophic-backtracking pattern cannot stall ingest', () => {
      // With a backtracking engine this input takes ~2^100000 steps; RE2 answers in one pass.
      const contract = parseContractDefinition({
        ref: 'acme/redos/1.0.0',
        keyField: 'id',
        validations: [{ field: 'word', type: 'regex', value: '^(a+)+$' }],
      });
      const adversarial = `${'a'.repeat(100_000)}b`;
      expect(() => validateEvent({ id: 'k', word: adversarial }, contract)).toThrow(/doesn't match/);
      expect(() => validateEvent({ id: 'k', word: 'a'.repeat(100_000) }, contract)).not.toThrow();
    });

    it('check every element of a list', () => {
      const contract = parseContractDefinition({
        ref: 'acme/tags/1.0.0',
        keyField: 'id',
        validations: [{ field: 'tags', type: 'regex', value: '^t-' }],
      });
      expect(() => validateEvent({ id: 'k', tags: ['t-1', 't-2'] }, contract)).not.toThrow();
      expect(() => validateEvent({ id: 'k', tags: ['t-1', 'x-2'] }, contract)).toThrow(/Field 'tags'/);
    });

    it('match numbers by their decimal text and refuse objects', () => {
      const contract = parseContractDefinition({
        ref: 'acme/nums/1.0.0',
        keyField: 'id',
        validations: [{ field: 'n', type: 'regex', value: '^[0-9]+$' }],
      });
      expect(() => validateEvent({ id: 'k', n: 42 }, contract)).not.toThrow();
      expect(() => validateEvent({ id: 'k', n: { v: 42 } }, contract)).toThrow(/must be a string/);
    });
  });

  describe('the data subject field', () => {
    it('is left out when the event has no value there', () => {
      const contract = parseContractDefinition({
        ref: 'acme/ds/1.0.0',
        keyField: 'id',
        dataSubjectField: 'user',
      });
      expect(validateEvent({ id: 'k' }, contract)).toEqual({ keyFieldValue: 'k' });
    });

    it('must be a string when present', () => {
      const contract = parseContractDefinition({
        ref: 'acme/ds/1.0.0',
        keyField: 'id',
        dataSubjectField: 'user',
      });
      expect(() => validateEvent({ id: 'k', user: 7 }, contract)).toThrow(/Data subject field 'user'/);
    });
  });
});
