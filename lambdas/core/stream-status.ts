import type { StreamRecord } from './stream-definition';

/**
 * Whether a stream takes part in the pipeline: only a stream stored with `enabled: true` does. A record
 * without the flag (or with anything else) is treated as disabled everywhere: ingest, tokens, subscribers.
 */
export function isStreamActive(stream: Pick<StreamRecord, 'enabled'> | undefined): boolean {
  return stream?.enabled === true;
}

/**
 * Whether a client id is one of the stream's current credentials, and has not expired (a credential
 * created with `expiresInSeconds`). A token outlives neither its credential nor its stream: one deleted
 * and created again under the same name has new credentials.
 */
export function streamAcceptsClient(
  stream: Pick<StreamRecord, 'credentials'>,
  clientId: string,
  nowMs: number = Date.now(),
): boolean {
  return (stream.credentials ?? []).some(
    (credential) => credential.clientId === clientId && !isCredentialExpired(credential, nowMs),
  );
}

/** Whether a credential created to expire has expired (`expiresAt` ISO 8601; none never expires). */
export function isCredentialExpired(credential: { expiresAt?: string }, nowMs: number = Date.now()): boolean {
  if (credential.expiresAt === undefined) return false;
  const expiresAt = Date.parse(credential.expiresAt);
  // An unreadable date fails closed.
  return !(expiresAt > nowMs);
}

const READER_PREFIX = 'reader:';

/**
 * The subscriber id of a signed-in user's read-only connection (the console) to one incarnation of a
 * stream, within one sign-in session: `reader:<stream createdAt>:<sessionId>`. Stored where a client
 * subscriber's client id goes, never a client id itself (those are `ps-…`). The session in it lets a
 * logout, a password change or a teammate's removal end exactly that user's connections, and gives each
 * session its own connection cap.
 */
export function streamReaderId(stream: Pick<StreamRecord, 'createdAt'>, sessionId: string): string {
  return `${READER_PREFIX}${stream.createdAt}:${sessionId}`;
}

/** The sign-in session of a reader id; undefined for a client id. */
export function readerSessionOf(subscriberId: string): string | undefined {
  if (!subscriberId.startsWith(READER_PREFIX)) return undefined;
  // Stream createdAt holds colons; session ids (base64url) never do: the session is after the last one.
  return subscriberId.slice(subscriberId.lastIndexOf(':') + 1);
}

/** Whether a subscriber id is a reader id of one of these sign-in sessions (of any stream). */
export function isReaderOfSessions(subscriberId: string, sessionIds: ReadonlySet<string>): boolean {
  const sessionId = readerSessionOf(subscriberId);
  return sessionId !== undefined && sessionIds.has(sessionId);
}

/**
 * Whether a subscriber (by the id its connection was stored with) may still read the stream: one of the
 * stream's current client ids, or a reader id of this incarnation of the stream. A reader id without a
 * session (`reader:<createdAt>`, from before reader ids named one) is refused: nothing could end it.
 */
export function streamAcceptsSubscriber(
  stream: Pick<StreamRecord, 'credentials' | 'createdAt'>,
  subscriberId: string,
  nowMs: number = Date.now(),
): boolean {
  if (!subscriberId.startsWith(READER_PREFIX)) return streamAcceptsClient(stream, subscriberId, nowMs);
  const incarnation = `${READER_PREFIX}${stream.createdAt}:`;
  return subscriberId.startsWith(incarnation) && subscriberId.length > incarnation.length;
}
