import { onceSucceeded } from '../../../lambdas/core/once-succeeded';

describe('onceSucceeded', () => {
  it('builds once and shares the result between callers', async () => {
    let builds = 0;
    const get = onceSucceeded(async () => ++builds);
    expect(await Promise.all([get(), get(), get()])).toEqual([1, 1, 1]);
    expect(await get()).toBe(1);
    expect(builds).toBe(1);
  });

  it('tries again after a failed build', async () => {
    let builds = 0;
    const get = onceSucceeded(async () => {
      builds++;
      if (builds === 1) throw new Error('cold start hiccup');
      return 'ready';
    });
    await expect(get()).rejects.toThrow('cold start hiccup');
    expect(await get()).toBe('ready');
    expect(await get()).toBe('ready');
    expect(builds).toBe(2);
  });
});
