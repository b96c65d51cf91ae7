import { CachedLoader } from '../../../lambdas/core/cached-loader';

describe('CachedLoader', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000;
  });

  it('serves a loaded value until its time is up, then loads again', async () => {
    const cache = new CachedLoader<string, number>({ ttlMs: 100, capacity: 10, now: clock });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', load)).toBe(1);
    now += 99;
    expect(await cache.get('k', load)).toBe(1);
    now += 1;
    expect(await cache.get('k', load)).toBe(2);
  });

  it('shares one load between concurrent readers', async () => {
    const cache = new CachedLoader<string, number>({ ttlMs: 100, capacity: 10, now: clock });
    let loads = 0;
    const load = () => new Promise<number>((resolve) => setImmediate(() => resolve(++loads)));
    expect(await Promise.all([cache.get('k', load), cache.get('k', load)])).toEqual([1, 1]);
  });

  it('does not keep a failed load', async () => {
    const cache = new CachedLoader<string, number>({ ttlMs: 100, capacity: 10, now: clock });
    await expect(cache.get('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('k', async () => 7)).toBe(7);
  });

  it('forgets the least recently used key when full', async () => {
    const cache = new CachedLoader<string, string>({ ttlMs: 100, capacity: 2, now: clock });
    await cache.get('a', async () => 'a1');
    await cache.get('b', async () => 'b1');
    await cache.get('c', async () => 'c1');
    expect(await cache.get('a', async () => 'a2')).toBe('a2');
    expect(await cache.get('c', async () => 'c2')).toBe('c1');
  });

  it('trusts each value until the time its validUntil option gives', async () => {
    // Prepare
    const cache = new CachedLoader<string, { until: number }>({
      capacity: 10,
      validUntil: (value) => value.until,
      now: clock,
    });
    let loads = 0;
    const load = async () => {
      loads++;
      return { until: 1_050 };
    };
    // Act
    await cache.get('k', load);
    now = 1_049;
    await cache.get('k', load);
    const before = loads;
    now = 1_050;
    await cache.get('k', load);
    // Assess
    expect(before).toBe(1);
    expect(loads).toBe(2);
  });

  it('does not keep a value its keep option refuses, but still returns it', async () => {
    // Prepare
    const cache = new CachedLoader<string, number | undefined>({
      capacity: 10,
      keep: (v) => v !== undefined,
    });
    let loads = 0;
    // Act
    const load = async () => {
      loads++;
      return undefined;
    };
    const first = await cache.get('k', load);
    await cache.get('k', load);
    // Assess
    expect(first).toBeUndefined();
    expect(loads).toBe(2);
  });

  it('serves a value stored with set without loading', async () => {
    // Prepare
    const cache = new CachedLoader<string, string>({ capacity: 10, ttlMs: 100, now: clock });
    cache.set('k', 'stored');
    // Act
    const value = await cache.get('k', async () => 'loaded');
    // Assess
    expect(value).toBe('stored');
  });

  it('drops the loaded entries deleteWhere matches and keeps the others', async () => {
    // Prepare
    const cache = new CachedLoader<string, string>({ capacity: 10 });
    await cache.get('a', async () => 'drop');
    await cache.get('b', async () => 'keep');
    // Act
    cache.deleteWhere((value) => value === 'drop');
    // Assess
    expect(await cache.get('a', async () => 'reloaded')).toBe('reloaded');
    expect(await cache.get('b', async () => 'reloaded')).toBe('keep');
  });
});
