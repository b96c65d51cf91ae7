import { errorName, ValidationError } from '../../../lambdas/core/errors';

describe('errorName', () => {
  it('names an error by its class, never by its message', () => {
    // Act
    const name = errorName(new ValidationError('customer jane@example.com is invalid'));
    // Assess
    expect(name).toBe('ValidationError');
  });

  it.each([
    [new TypeError('x'), 'TypeError'],
    ['a thrown string with PII', 'string'],
    [null, 'null'],
    [undefined, 'undefined'],
    [42, 'number'],
  ])('names %p as %p', (thrown, expected) => {
    // Act + Assess
    expect(errorName(thrown)).toBe(expected);
  });
});
