import { ValidationError } from '../../../lambdas/core/errors';
import { getField, parseFieldPath, replaceField, touchesStrmMeta } from '../../../lambdas/core/field-path';

describe('field paths', () => {
  it('split on / for nested fields', () => {
    expect(parseFieldPath('customer/id', 'path')).toEqual(['customer', 'id']);
  });

  it.each(['', '/id', 'customer/', 'a//b'])('reject the malformed path %j', (path) => {
    expect(() => parseFieldPath(path, 'contract.keyField')).toThrow(ValidationError);
  });

  it.each(['__proto__', 'a/constructor', 'prototype/x'])('reject the prototype-reaching path %j', (path) => {
    expect(() => parseFieldPath(path, 'field')).toThrow(/reserved name/);
  });

  it('name the offending input in the error', () => {
    expect(() => parseFieldPath(42, 'contract.keyField')).toThrow(/contract\.keyField/);
  });

  it('read nested values and report absent ones as undefined', () => {
    const event = { customer: { id: 'c-1' }, list: ['a'] };
    expect(getField(event, ['customer', 'id'])).toBe('c-1');
    expect(getField(event, ['customer', 'name'])).toBeUndefined();
    expect(getField(event, ['list', '0'])).toBeUndefined();
  });

  it('replace only fields that exist', () => {
    const event: Record<string, unknown> = { customer: { id: 'c-1' } };
    expect(replaceField(event, ['customer', 'id'], 'x')).toBe(true);
    expect(replaceField(event, ['customer', 'email'], 'x')).toBe(false);
    expect(replaceField(event, ['other', 'id'], 'x')).toBe(false);
    expect(event).toEqual({ customer: { id: 'x' } });
  });

  it('recognise paths into strmMeta', () => {
    expect(touchesStrmMeta(['strmMeta', 'keyLink'])).toBe(true);
    expect(touchesStrmMeta(['customer', 'strmMeta'])).toBe(false);
  });
});
