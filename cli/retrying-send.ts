import { abortableSleep } from './abortable-sleep';
import { ApiError, UnreachableError } from './api-client';
import type { SendResult } from './sim-runner';

/**
 * Makes the simulator ride out a stack that restarts or is briefly overloaded, as `egress` does: a send
 * that cannot reach the API (or gets 429/5xx, also from the token endpoint) is retried with backoff
 * until it goes through or the run is interrupted. One notice per outage, one when it is over. Other
 * answers (204, 400, 401, 403, 413) are returned as they are.
 */

/** The first pause before a retry; it doubles up to MAX_BACKOFF_MS (also for `batch-send.ts`). */
export const INITIAL_BACKOFF_MS = 500;
export const MAX_BACKOFF_MS = 10_000;

/** The pause after `backoffMs`: twice as long, at most MAX_BACKOFF_MS. */
export const nextBackoff = (backoffMs: number) => Math.min(backoffMs * 2, MAX_BACKOFF_MS);

/** An HTTP status worth sending again: throttled (429) or failing (5xx). */
export const isTransientStatus = (status: number) => status === 429 || status >= 500;

export interface RetryingSendOptions<T = Record<string, unknown>> {
  /** Sends one event (or one batch of events). */
  send: (event: T) => Promise<SendResult>;
  signal: AbortSignal;
  onNotice: (text: string) => void;
  initialBackoffMs?: number;
}

/** A transient failure: worth retrying, with the reason to print. */
function transientReason(outcome: { result?: SendResult; error?: unknown }): string | undefined {
  const { result, error } = outcome;
  if (error instanceof UnreachableError) return error.reason;
  if (error instanceof ApiError && isTransientStatus(error.status)) return `HTTP ${error.status}`;
  if (result && isTransientStatus(result.status)) return `HTTP ${result.status}`;
  return undefined;
}

export function retryingSend<T = Record<string, unknown>>(
  options: RetryingSendOptions<T>,
): (event: T) => Promise<SendResult> {
  const initial = options.initialBackoffMs ?? INITIAL_BACKOFF_MS;
  let outage = false;
  return async (event) => {
    let backoff = initial;
    for (;;) {
      const outcome = await options.send(event).then(
        (result) => ({ result, error: undefined as unknown }),
        (error: unknown) => ({ result: undefined, error }),
      );
      const reason = transientReason(outcome);
      if (reason === undefined) {
        if (outage && outcome.result) {
          outage = false;
          options.onNotice('The event gateway answers again; sending on');
        }
        if (outcome.result) return outcome.result;
        throw outcome.error;
      }
      if (options.signal.aborted) {
        if (outcome.result) return outcome.result;
        throw outcome.error;
      }
      if (!outage) {
        outage = true;
        options.onNotice(`Cannot send events (${reason}); retrying until the stack answers (Ctrl-C to stop)`);
      }
      await abortableSleep(backoff, options.signal);
      backoff = nextBackoff(backoff);
    }
  };
}
