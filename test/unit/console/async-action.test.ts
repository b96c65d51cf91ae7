import { runAsyncAction } from '../../../console/src/async-action';

/** The console's one busy/error pattern for a user action (useAsyncAction), without a DOM. */
function recordingState() {
  const changes: Array<['busy', boolean] | ['error', unknown]> = [];
  return {
    changes,
    setBusy: (busy: boolean) => changes.push(['busy', busy]),
    setError: (error: unknown) => changes.push(['error', error]),
  };
}

describe('runAsyncAction', () => {
  it('is busy while the action runs, after clearing the previous error, and not busy after', async () => {
    // Prepare
    const state = recordingState();
    let busyDuring: unknown;
    // Act
    await runAsyncAction(state, async () => {
      busyDuring = state.changes.at(-1);
    });
    // Assess
    expect(busyDuring).toEqual(['error', undefined]);
    expect(state.changes).toEqual([
      ['busy', true],
      ['error', undefined],
      ['busy', false],
    ]);
  });

  it('shows a failure as the error instead of throwing it, and ends not busy', async () => {
    // Prepare
    const state = recordingState();
    const failure = new Error('stream name taken');
    // Act
    const outcome = runAsyncAction(state, async () => {
      throw failure;
    });
    // Assess
    await expect(outcome).resolves.toBeUndefined();
    expect(state.changes).toEqual([
      ['busy', true],
      ['error', undefined],
      ['error', failure],
      ['busy', false],
    ]);
  });

  it('words the failure with describe (sign-in: a 401 is "Wrong email or password.")', async () => {
    // Prepare
    const state = recordingState();
    const worded = new Error('Wrong email or password.');
    // Act
    await runAsyncAction(
      state,
      async () => {
        throw new Error('401');
      },
      () => worded,
    );
    // Assess
    expect(state.changes).toContainEqual(['error', worded]);
  });
});
