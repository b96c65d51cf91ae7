import { generateClientCredentials, hashClientSecret } from '../../core/client-secrets';
import { NotFoundError } from '../../core/errors';
import type { StreamRecord } from '../../core/stream-definition';
import { streamAcceptsClient } from '../../core/stream-status';
import { endConnections } from './end-connections';
import { ownStream } from './owned-stream';
import type { ManagementPorts } from './ports';

type CredentialPorts = Pick<ManagementPorts, 'streams' | 'connections' | 'sockets' | 'now' | 'audit'>;

export interface CreatedCredential {
  stream: StreamRecord;
  /** The only time the secret is shown; only its hash is stored. */
  credentials: { clientId: string; clientSecret: string };
}

/** `POST /v1/streams/{name}/credentials`: one more client id and secret for a stream of the caller's account. */
export async function createCredential(
  ports: CredentialPorts,
  accountId: string,
  name: string,
): Promise<CreatedCredential> {
  const stream = await ownStream(ports.streams, accountId, name);
  const { clientId, clientSecret } = generateClientCredentials();
  const createdAt = new Date(ports.now()).toISOString();
  const secretHash = hashClientSecret(clientSecret);
  const updated = await ports.streams.addCredential(accountId, stream.name, {
    clientId,
    secretHash,
    createdAt,
  });
  if (!updated) throw new NotFoundError(`stream ${name} not found`);
  ports.audit.info('credential created', { accountId, stream: stream.name, clientId });
  return { stream: updated, credentials: { clientId, clientSecret } };
}

/**
 * `DELETE /v1/streams/{name}/credentials/{clientId}`: the credential stops working at once (the stream no
 * longer accepts its client, so its tokens are refused everywhere) and its WebSocket subscribers are ended.
 * The last credential may go too. A client id the stream does not have is a 404.
 */
export async function deleteCredential(
  ports: CredentialPorts,
  accountId: string,
  name: string,
  clientId: string,
): Promise<void> {
  const stream = await ownStream(ports.streams, accountId, name);
  const notFound = () => new NotFoundError(`stream ${name} has no credential ${clientId}`);
  if (!streamAcceptsClient(stream, clientId)) throw notFound();
  if (!(await ports.streams.removeCredential(accountId, stream.name, clientId))) throw notFound();
  const ended = await endConnections(ports, accountId, stream.name, clientId);
  ports.audit.info('credential deleted', {
    accountId,
    stream: stream.name,
    clientId,
    connectionsEnded: ended,
  });
}
