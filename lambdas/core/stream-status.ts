import type { StreamRecord } from './stream-definition';

/**
 * Whether a stream takes part in the pipeline: only a stream stored with `enabled: true` does. A record
 * without the flag (or with anything else) is treated as disabled everywhere: ingest, tokens, subscribers.
 */
export function isStreamActive(stream: Pick<StreamRecord, 'enabled'> | undefined): boolean {
  return stream?.enabled === true;
}

/**
 * Whether a client id is one of the stream's current credentials. A token outlives neither its credential
 * nor its stream: one deleted and created again under the same name has new credentials.
 */
export function streamAcceptsClient(stream: Pick<StreamRecord, 'credentials'>, clientId: string): boolean {
  return (stream.credentials ?? []).some((credential) => credential.clientId === clientId);
}

/**
 * The subscriber id of a signed-in user's read-only connection (the console) to one incarnation of a
 * stream: stored where a client subscriber's client id goes, never a client id itself (those are `ps-…`).
 */
export function streamReaderId(stream: Pick<StreamRecord, 'createdAt'>): string {
  return `reader:${stream.createdAt}`;
}

/**
 * Whether a subscriber (by the id its connection was stored with) may still read the stream: one of the
 * stream's client ids, or the read-only subscriber id of this incarnation of the stream.
 */
export function streamAcceptsSubscriber(
  stream: Pick<StreamRecord, 'credentials' | 'createdAt'>,
  subscriberId: string,
): boolean {
  return streamAcceptsClient(stream, subscriberId) || subscriberId === streamReaderId(stream);
}
