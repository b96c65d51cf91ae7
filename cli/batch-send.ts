import { abortableSleep } from './abortable-sleep';
import { INITIAL_BACKOFF_MS, isTransientStatus as isTransient, nextBackoff } from './retrying-send';
import type { SendResult } from './sim-runner';

/**
 * `strm sim run-random --batch N`: N events per `POST /events`. The stack answers a result per event; the
 * events it could not take for now (429, 5xx: throttled or failing) are sent again after a pause, until
 * they are accepted or the run is interrupted; the first event refused for good (400, 403, 413…) is
 * reported as the run's refusal, with how many events of the batch were accepted.
 */

interface EventResult {
  index: number;
  status: number;
  reason?: string;
}

export interface BatchSendOptions {
  /** One `POST /events` (already retried while the whole request fails transiently). */
  send: (events: Record<string, unknown>[]) => Promise<SendResult>;
  signal: AbortSignal;
  onNotice: (text: string) => void;
  initialBackoffMs?: number;
}

function resultsOf(body: string): EventResult[] | undefined {
  try {
    const parsed = JSON.parse(body) as { results?: unknown };
    return Array.isArray(parsed.results) ? (parsed.results as EventResult[]) : undefined;
  } catch {
    return undefined;
  }
}

export function batchSender(
  options: BatchSendOptions,
): (events: Record<string, unknown>[]) => Promise<SendResult> {
  const initial = options.initialBackoffMs ?? INITIAL_BACKOFF_MS;
  return async (events) => {
    let accepted = 0;
    let pending = events;
    let backoff = initial;
    for (;;) {
      const response = await options.send(pending);
      const results = response.status === 200 ? resultsOf(response.body) : undefined;
      if (!results) return { ...response, accepted };
      accepted += results.filter((result) => result.status === 204).length;
      const refused = results.find((result) => result.status !== 204 && !isTransient(result.status));
      if (refused) return { status: refused.status, body: refused.reason ?? '', accepted };
      const retry = results
        .filter((result) => isTransient(result.status))
        .map((result) => pending[result.index]!);
      if (retry.length === 0 || options.signal.aborted)
        return { status: retry.length ? 429 : 204, body: '', accepted };
      options.onNotice(`The stack could not take ${retry.length} of the events for now; sending them again`);
      await abortableSleep(backoff, options.signal);
      backoff = nextBackoff(backoff);
      pending = retry;
    }
  };
}
