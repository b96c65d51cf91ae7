import { lambdaEntryPoint } from '../../../lambdas/runtime/entry-point';

describe('lambdaEntryPoint', () => {
  it('builds the handler on the first invocation and reuses it', async () => {
    // Prepare
    let builds = 0;
    const entry = lambdaEntryPoint('test', async () => {
      builds++;
      return async (event: number) => event * 2;
    });
    // Act
    const results = [await entry(1), await entry(2)];
    // Assess
    expect(results).toEqual([2, 4]);
    expect(builds).toBe(1);
  });

  it('fails an invocation whose build fails and builds again on the next one', async () => {
    // Prepare
    let builds = 0;
    const entry = lambdaEntryPoint('test', async () => {
      if (++builds === 1) throw new Error('cold start failed');
      return async () => 'ok';
    });
    // Act
    const first = entry(undefined);
    // Assess
    await expect(first).rejects.toThrow('cold start failed');
    expect(await entry(undefined)).toBe('ok');
    expect(builds).toBe(2);
  });
});
