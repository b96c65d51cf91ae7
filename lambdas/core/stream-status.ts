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
