import { RateLimiter } from '../../../lambdas/core/rate-limit';

function limiter(burst = 3, perSecond = 0.5) {
  const clock = { now: 1_000_000 };
  return { clock, limiter: new RateLimiter({ burst, perSecond, maxKeys: 2, now: () => clock.now }) };
}

describe('RateLimiter (a token bucket per key)', () => {
  it('allows a burst, then refuses with the seconds until the next token', () => {
    // Prepare
    const { limiter: limit } = limiter();
    // Act
    const answers = [1, 2, 3, 4].map(() => limit.take('client-1'));
    // Assess
    expect(answers).toEqual([0, 0, 0, 2]);
  });

  it('refills at the configured rate', () => {
    // Prepare
    const { clock, limiter: limit } = limiter();
    for (let i = 0; i < 3; i++) limit.take('client-1');
    // Act
    clock.now += 2_000;
    const afterTwoSeconds = [limit.take('client-1'), limit.take('client-1')];
    // Assess
    expect(afterTwoSeconds).toEqual([0, 2]);
  });

  it('keeps each key to its own bucket', () => {
    // Prepare
    const { limiter: limit } = limiter(1);
    limit.take('client-1');
    // Act
    const other = limit.take('client-2');
    // Assess
    expect(other).toBe(0);
    expect(limit.take('client-1')).toBeGreaterThan(0);
  });

  it('forgets the least recently used keys beyond its bound (a flood of made-up ids costs fixed memory)', () => {
    // Prepare
    const { limiter: limit } = limiter(1);
    limit.take('client-1');
    limit.take('client-2');
    // Act
    limit.take('client-3');
    // Assess: client-1 was dropped and starts with a full bucket again.
    expect(limit.take('client-1')).toBe(0);
  });

  it('tells whether a key has a token without taking it (waitFor)', () => {
    // Prepare
    const { limiter: limit } = limiter(2);
    limit.take('client-1');
    // Act
    const answers = [limit.waitFor('client-1'), limit.waitFor('client-1'), limit.waitFor('client-1')];
    // Assess
    expect(answers).toEqual([0, 0, 0]);
    expect([limit.take('client-1'), limit.take('client-1')]).toEqual([0, 2]);
  });

  it('answers the seconds to wait from waitFor once a key is spent', () => {
    // Prepare
    const { limiter: limit } = limiter(1);
    limit.take('client-1');
    // Act
    const wait = limit.waitFor('client-1');
    // Assess
    expect(wait).toBe(2);
  });
});
