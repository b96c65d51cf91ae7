/** What a form or button shows while its action runs: busy, and the action's error once it failed. */
export interface AsyncActionState {
  setBusy(busy: boolean): void;
  setError(error: unknown): void;
}

/**
 * Runs one user action: busy while it runs, the previous error cleared first, a failure shown (as
 * `describe` words it) rather than thrown. The logic of useAsyncAction
 * (use-async-action.ts), apart so that it can be tested without a DOM.
 */
export async function runAsyncAction(
  state: AsyncActionState,
  action: () => Promise<void>,
  describe: (error: unknown) => unknown = (error) => error,
): Promise<void> {
  state.setBusy(true);
  state.setError(undefined);
  try {
    await action();
  } catch (error) {
    state.setError(describe(error));
  } finally {
    state.setBusy(false);
  }
}
