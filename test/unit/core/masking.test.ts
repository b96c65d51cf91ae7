import { createHmac } from 'node:crypto';
import { ValidationError } from '../../../lambdas/core/errors';
import { applyMasking, maskValue, parseMaskedFields } from '../../../lambdas/core/masking';
import { clickstreamEvent, exampleEvent } from '../../support/factories';

describe('maskValue', () => {
  it('is HMAC-SHA-256 keyed by the seed, as 32 hex characters', () => {
    const expected = createHmac('sha256', 'seed-1').update('unique-5').digest('hex').slice(0, 32);
    expect(maskValue('unique-5', 'seed-1')).toBe(expected);
    expect(maskValue('unique-5', 'seed-1')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('is deterministic for one seed and differs across seeds and values', () => {
    expect(maskValue('unique-5', 's')).toBe(maskValue('unique-5', 's'));
    expect(maskValue('unique-5', 's')).not.toBe(maskValue('unique-5', 't'));
    expect(maskValue('unique-5', 's')).not.toBe(maskValue('unique-6', 's'));
  });

  it('hashes non-string values by their JSON text', () => {
    expect(maskValue(42, 's')).toBe(maskValue('42', 's'));
    expect(maskValue({ a: 1 }, 's')).toBe(maskValue('{"a":1}', 's'));
    expect(maskValue('42', 's')).not.toBe(maskValue('"42"', 's'));
  });
});

describe('parseMaskedFields', () => {
  it('accepts a seed and field patterns per contract ref', () => {
    const input = { seed: 's', fieldPatterns: { 'streammachine/example/1.3.0': ['uniqueIdentifier'] } };
    expect(parseMaskedFields(input)).toEqual(input);
  });

  it('maps the legacy clickstream id to its contract ref', () => {
    expect(parseMaskedFields({ seed: 's', fieldPatterns: { clickstream: ['url'] } }).fieldPatterns).toEqual({
      'streammachine/clickstream/1.0.0': ['url'],
    });
  });

  it('generates a seed when none is given', () => {
    const parsed = parseMaskedFields({ fieldPatterns: { 'a/b/1.0.0': ['x'] } }, () => 'generated');
    expect(parsed.seed).toBe('generated');
  });

  it('generates different random seeds by default', () => {
    const input = { fieldPatterns: { 'a/b/1.0.0': ['x'] } };
    expect(parseMaskedFields(input).seed).not.toBe(parseMaskedFields(input).seed);
  });

  it.each([
    ['strmMeta itself', ['strmMeta']],
    ['a field inside strmMeta', ['url', 'strmMeta/keyLink']],
  ])('rejects a pattern touching %s', (_case, patterns) => {
    const input = { seed: 's', fieldPatterns: { 'streammachine/clickstream/1.0.0': patterns } };
    expect(() => parseMaskedFields(input)).toThrow(ValidationError);
    expect(() => parseMaskedFields(input)).toThrow(/must not mask strmMeta/);
  });

  it.each([
    ['no fieldPatterns', { seed: 's' }, /maskedFields\.fieldPatterns/],
    ['a key that is not a contract ref', { seed: 's', fieldPatterns: { orders: ['x'] } }, /contract ref/],
    ['an empty pattern list', { seed: 's', fieldPatterns: { 'a/b/1.0.0': [] } }, /non-empty array/],
    ['a malformed path', { seed: 's', fieldPatterns: { 'a/b/1.0.0': ['a//b'] } }, /empty segment/],
    ['a seed that is not a string', { seed: 7, fieldPatterns: { 'a/b/1.0.0': ['x'] } }, /maskedFields\.seed/],
  ])('rejects %s', (_case, input, message) => {
    expect(() => parseMaskedFields(input)).toThrow(message);
  });
});

describe('applyMasking', () => {
  const masked = {
    seed: 'seed',
    fieldPatterns: {
      'streammachine/example/1.3.0': ['uniqueIdentifier', 'notSensitiveValue'],
      'streammachine/clickstream/1.0.0': ['customer/id', 'abTests'],
    },
  };

  it('masks the listed fields of the event’s contract and leaves the others alone', () => {
    const event = exampleEvent();
    applyMasking(event, 'streammachine/example/1.3.0', masked);
    expect(event).toEqual({
      ...exampleEvent(),
      uniqueIdentifier: maskValue('unique-14', 'seed'),
      notSensitiveValue: maskValue('not-sensitive-99', 'seed'),
    });
  });

  it('does nothing for a contract without patterns', () => {
    const event = exampleEvent();
    applyMasking(event, 'acme/other/1.0.0', masked);
    expect(event).toEqual(exampleEvent());
  });

  it('masks nested fields and each element of a list', () => {
    const event = clickstreamEvent({ abTests: ['a', 'b'] });
    applyMasking(event, 'streammachine/clickstream/1.0.0', masked);
    expect(event.customer).toEqual({ id: maskValue('customer-session-42', 'seed') });
    expect(event.abTests).toEqual([maskValue('a', 'seed'), maskValue('b', 'seed')]);
  });

  it('leaves absent and null fields as they are', () => {
    const event = exampleEvent({ uniqueIdentifier: null, notSensitiveValue: undefined });
    applyMasking(event, 'streammachine/example/1.3.0', masked);
    expect(event.uniqueIdentifier).toBeNull();
    expect(event).not.toHaveProperty('notSensitiveValue');
  });

  it('never touches strmMeta, even when a stored definition lists it', () => {
    const event = exampleEvent();
    const sneaky = {
      seed: 's',
      fieldPatterns: { 'streammachine/example/1.3.0': ['strmMeta', 'strmMeta/eventContractRef'] },
    };
    applyMasking(event, 'streammachine/example/1.3.0', sneaky);
    expect(event.strmMeta).toEqual(exampleEvent().strmMeta);
  });

  it('ignores a contract ref that names an Object prototype property', () => {
    const event = exampleEvent();
    expect(() => applyMasking(event, '__proto__', masked)).not.toThrow();
    expect(event).toEqual(exampleEvent());
  });
});
