import { BatchedLoader } from '../../../lambdas/core/batched-loader';

/** A loader over a map that records the keys of each call. */
function recordingLoader(values: Map<string, number>, maxBatch?: number) {
  const calls: string[][] = [];
  const loader = new BatchedLoader<string, number>(async (keys) => {
    calls.push(keys);
    return new Map(keys.filter((key) => values.has(key)).map((key) => [key, values.get(key)!]));
  }, maxBatch);
  return { loader, calls };
}

describe('BatchedLoader', () => {
  it('loads the keys asked for in one turn with one call, each caller getting its own value', async () => {
    // Prepare
    const { loader, calls } = recordingLoader(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    // Act
    const values = await Promise.all([loader.load('a'), loader.load('b'), loader.load('missing')]);
    // Assess
    expect(values).toEqual([1, 2, undefined]);
    expect(calls).toEqual([['a', 'b', 'missing']]);
  });

  it('asks for a key once however many callers want it', async () => {
    // Prepare
    const { loader, calls } = recordingLoader(new Map([['a', 1]]));
    // Act
    const values = await Promise.all([loader.load('a'), loader.load('a')]);
    // Assess
    expect(values).toEqual([1, 1]);
    expect(calls).toEqual([['a']]);
  });

  it('splits the keys of a turn into calls of at most maxBatch keys', async () => {
    // Prepare
    const { loader, calls } = recordingLoader(new Map(), 2);
    // Act
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((key) => loader.load(key)));
    // Assess
    expect(calls).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('loads keys of a later turn in a call of their own', async () => {
    // Prepare
    const { loader, calls } = recordingLoader(new Map());
    // Act
    await loader.load('a');
    await loader.load('b');
    // Assess
    expect(calls).toEqual([['a'], ['b']]);
  });

  it('fails the callers of a failed call, and only them', async () => {
    // Prepare
    let call = 0;
    const loader = new BatchedLoader<string, number>(async (keys) => {
      if (call++ === 0) throw new Error('read failed');
      return new Map(keys.map((key) => [key, 7]));
    }, 1);
    // Act
    const outcomes = await Promise.allSettled([loader.load('a'), loader.load('b')]);
    // Assess
    expect(outcomes).toEqual([
      { status: 'rejected', reason: new Error('read failed') },
      { status: 'fulfilled', value: 7 },
    ]);
  });
});
