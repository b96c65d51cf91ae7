import { useState } from 'preact/hooks';
import { runAsyncAction } from './async-action';

/**
 * `busy`/`error` state for an async action and `run(action)` to start one (runAsyncAction). `setError`
 * shows an error found before any call is made, such as a form check.
 */
export function useAsyncAction(describe?: (error: unknown) => unknown) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = (action: () => Promise<void>) => runAsyncAction({ setBusy, setError }, action, describe);
  return { busy, error, setError, run };
}
