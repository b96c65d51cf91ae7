import { bootstrapSecretAccepted, parseSignupMode, secretsEqual } from '../../../lambdas/core/sign-up-gate';

describe('the sign-up mode', () => {
  it.each([
    [undefined, 'open'],
    ['', 'open'],
    ['open', 'open'],
    ['bootstrap', 'bootstrap'],
    ['Open', 'bootstrap'],
    ['closed', 'bootstrap'],
  ])('%j is %s (anything but an explicit open fails closed)', (value, mode) => {
    // Act
    const parsed = parseSignupMode(value);
    // Assess
    expect(parsed).toBe(mode);
  });
});

describe('the bootstrap secret', () => {
  it('is accepted when it equals the configured one', () => {
    // Act
    const accepted = bootstrapSecretAccepted('the-secret', 'the-secret');
    // Assess
    expect(accepted).toBe(true);
  });

  it.each([
    ['a wrong secret', 'the-secreT'],
    ['a prefix of it', 'the-secre'],
    ['a longer one', 'the-secret!'],
    ['none', undefined],
  ])('is refused for %s', (_case, presented) => {
    // Act
    const accepted = bootstrapSecretAccepted('the-secret', presented);
    // Assess
    expect(accepted).toBe(false);
  });

  it.each([
    ['none is configured', undefined],
    ['the configured one is empty', ''],
  ])('is never accepted when %s, not even an empty one', (_case, expected) => {
    // Act
    const accepted = bootstrapSecretAccepted(expected, '');
    // Assess
    expect(accepted).toBe(false);
  });

  it('compares strings of different lengths without throwing', () => {
    // Act
    const results = [secretsEqual('a', 'a'.repeat(1000)), secretsEqual('é', 'é')];
    // Assess
    expect(results).toEqual([false, true]);
  });
});
