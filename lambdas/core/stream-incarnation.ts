import type { EventEnvelope } from './event-envelope';

/**
 * Incarnations of a stream: a stream deleted and created again under its name is a new incarnation (a new
 * `createdAt`), and an event belongs to the incarnation its envelope names. The one rule for the
 * decrypter, egress and the exporter: none of them lets one incarnation's events reach another's.
 */

/**
 * Clocks of the function that stamps `createdAt` and of the one that caches a stream record may differ
 * by this much: a record loaded less than this after an incarnation was created may predate it.
 */
export const INCARNATION_CLOCK_SLACK_MS = 5_000;

/**
 * Whether an envelope's event belongs to the incarnation of its stream created at `streamCreatedAt`. An
 * envelope from before incarnations were recorded counts as the current incarnation's.
 */
export function isOfIncarnation(
  envelope: Pick<EventEnvelope, 'streamCreatedAt'>,
  streamCreatedAt: string,
): boolean {
  return envelope.streamCreatedAt === undefined || envelope.streamCreatedAt === streamCreatedAt;
}

/**
 * Whether a stream record loaded (read from the table) at `loadedAt` may not know the incarnation an
 * event names yet, so must be read again before the event is judged by it. An event of an older
 * incarnation never causes a read: its incarnation was created long before any record cached now.
 */
export function mayPredateIncarnation(
  loadedAt: number,
  envelope: Pick<EventEnvelope, 'streamCreatedAt'>,
): boolean {
  if (envelope.streamCreatedAt === undefined) return false;
  return loadedAt < Date.parse(envelope.streamCreatedAt) + INCARNATION_CLOCK_SLACK_MS;
}
