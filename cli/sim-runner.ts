import { abortableSleep } from './abortable-sleep';

/** The send loop of `strm sim run-random`: one event per interval, a bounded number of requests in flight. */

export interface SendResult {
  status: number;
  body: string;
  /** Events this send got accepted (a batch: the events before or besides a refusal); default 1 for a 204. */
  accepted?: number;
}

export interface SimulationOptions<T = Record<string, unknown>> {
  intervalMs: number;
  /** Stop after this many sends (events, or batches of events); undefined = until stopped. */
  count?: number;
  /** At most this many requests in flight; the loop waits for one to finish before sending more. */
  maxInFlight?: number;
  /** The next event (or batch of events) to send. */
  nextEvent: () => T;
  send: (event: T) => Promise<SendResult>;
  /** Called with the number of accepted events every `progressEveryMs`. */
  onProgress?: (accepted: number) => void;
  progressEveryMs?: number;
  /** Aborting ends the run gracefully (after the requests in flight finish). */
  signal?: AbortSignal;
}

export interface SimulationResult {
  /** Events accepted. */
  accepted: number;
  /** The first response that was not 204 (or the first refused event of a batch); the run ended because of it. */
  rejected?: SendResult;
}

/** Requests in flight at most unless told otherwise (what `strm sim run-random` sends with). */
export const DEFAULT_MAX_IN_FLIGHT = 4;

export async function runSimulation<T = Record<string, unknown>>(
  options: SimulationOptions<T>,
): Promise<SimulationResult> {
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) stop.abort();

  let accepted = 0;
  let rejected: SendResult | undefined;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();
  const progress =
    options.onProgress === undefined
      ? undefined
      : setInterval(() => options.onProgress?.(accepted), options.progressEveryMs ?? 5000);
  progress?.unref();

  const start = (event: T) => {
    const request: Promise<void> = options
      .send(event)
      .then((result) => {
        accepted += result.accepted ?? (result.status === 204 ? 1 : 0);
        if (result.status !== 204 && rejected === undefined) {
          const { accepted: _count, ...refusal } = result;
          rejected = refusal;
          stop.abort();
        }
      })
      .catch((error: unknown) => {
        failure ??= error;
        stop.abort();
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };

  try {
    for (let sent = 0; options.count === undefined || sent < options.count; sent++) {
      while (inFlight.size >= maxInFlight && !stop.signal.aborted) await Promise.race(inFlight);
      if (stop.signal.aborted) break;
      start(options.nextEvent());
      const last = options.count !== undefined && sent + 1 >= options.count;
      if (!last) await abortableSleep(options.intervalMs, stop.signal);
    }
    await Promise.all(inFlight);
  } finally {
    if (progress) clearInterval(progress);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (failure !== undefined) throw failure;
  return { accepted, rejected };
}
