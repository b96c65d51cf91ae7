import { AppError, errorName } from '../core/errors';
import type { OutgoingRecord } from '../core/event-envelope';
import { httpStatusOf } from '../core/http-status';
import type { EventAcceptor, EventTarget } from './accept-event';
import type { DecodedBatchItem } from './decode-event-batch';
import { runWithConcurrency } from './run-with-concurrency';

/** Events of one batch sealed at the same time: their key-link lookups (store round trips) overlap. */
export const SEAL_CONCURRENCY = 32;

/** What happened to one event of a batch: 204 accepted (durably in the stream), or the 4xx/5xx `POST /event` would answer. */
export interface EventResult {
  index: number;
  status: number;
  /** Why it was refused (the text `POST /event` answers); absent for accepted events. */
  reason?: string;
}

export interface BatchOutcome {
  results: EventResult[];
  accepted: number;
  rejected: number;
  /** Names of unexpected errors (500s), once each: the caller logs them, never their messages. */
  unexpectedErrors: string[];
}

export interface AcceptBatchPorts {
  acceptor: Pick<EventAcceptor, 'seal'>;
  /** Writes the sealed records; per record `undefined` once the stream durably has it, else why not. */
  publisher: { publishAll(records: readonly OutgoingRecord[]): Promise<(Error | undefined)[]> };
}

/**
 * "Accept a batch of events" for one source stream (already authorised with EventAcceptor.sourceStreamOf):
 * each decoded event is validated and sealed as `POST /event` would (EventAcceptor.seal), concurrently,
 * then all sealed records are written with PutRecords, retrying only the entries Kinesis refused. An event
 * is reported accepted only once the stream durably has it; every other event gets its own status and
 * reason, and never keeps the others from being accepted.
 */
export async function acceptEventBatch(
  ports: AcceptBatchPorts,
  target: EventTarget,
  items: readonly DecodedBatchItem[],
): Promise<BatchOutcome> {
  const failures: (unknown | undefined)[] = items.map((item) => ('error' in item ? item.error : undefined));
  const sealed: { index: number; record: OutgoingRecord }[] = [];
  const indices = items.flatMap((item, index) => ('event' in item ? [index] : []));
  await runWithConcurrency(indices, SEAL_CONCURRENCY, async (index) => {
    try {
      sealed.push({
        index,
        record: await ports.acceptor.seal(target, (items[index] as { event: Record<string, unknown> }).event),
      });
    } catch (error) {
      failures[index] = error;
    }
  });
  // The records in the order their events came: PutRecords then writes them in that order.
  sealed.sort((a, b) => a.index - b.index);
  const written = await ports.publisher.publishAll(sealed.map((s) => s.record));
  written.forEach((error, position) => {
    if (error) failures[sealed[position]!.index] = error;
  });
  return outcomeOf(failures);
}

function outcomeOf(failures: readonly unknown[]): BatchOutcome {
  const unexpected = new Set<string>();
  const results = failures.map((failure, index): EventResult => {
    if (failure === undefined) return { index, status: 204 };
    if (failure instanceof AppError) return { index, status: httpStatusOf(failure), reason: failure.message };
    unexpected.add(errorName(failure));
    return { index, status: 500, reason: 'internal error' };
  });
  const accepted = results.filter((result) => result.status === 204).length;
  return { results, accepted, rejected: results.length - accepted, unexpectedErrors: [...unexpected] };
}
