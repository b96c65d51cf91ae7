import { ValidationError } from '../../../lambdas/core/errors';
import { decodeEvent, parseSerializationType } from '../../../lambdas/core/event-serialization';

describe('the serialization type of an ingest body', () => {
  it.each([[undefined], [''], ['application/json'], ['Application/JSON; charset=utf-8']])(
    'reads %j as JSON',
    (header) => {
      // Act
      const serialization = parseSerializationType(header);
      // Assess
      expect(serialization).toBe('application/json');
    },
  );

  it('refuses any other type with 400', () => {
    // Act
    const parse = () => parseSerializationType('application/x-protobuf');
    // Assess
    expect(parse).toThrow(new ValidationError('unsupported serialization type'));
  });
});

describe('decoding a JSON event body', () => {
  it('returns the event object', () => {
    // Prepare
    const body = Buffer.from('{"strmMeta":{"consentLevels":[]},"name":"Zoë"}', 'utf8');
    // Act
    const event = decodeEvent(body, 'application/json');
    // Assess
    expect(event).toEqual({ strmMeta: { consentLevels: [] }, name: 'Zoë' });
  });

  it('refuses a body that is not JSON, without quoting it', () => {
    // Act
    const decode = () => decodeEvent(Buffer.from('{"secret": "s3cr3t"'), 'application/json');
    // Assess
    expect(decode).toThrow(new ValidationError('malformed JSON body'));
  });

  it.each([['[1,2]'], ['"text"'], ['null']])('refuses JSON %s that is not an object', (body) => {
    // Act
    const decode = () => decodeEvent(Buffer.from(body), 'application/json');
    // Assess
    expect(decode).toThrow(new ValidationError('event body must be a JSON object'));
  });
});
