import type { BatchExporterRecord } from '../../core/batch-exporter';
import { generateClientCredentials, hashClientSecret } from '../../core/client-secrets';
import { ConflictError } from '../../core/errors';
import {
  isValidStreamName,
  requestedSourceName,
  type StreamRecord,
  validateStreamCreate,
} from '../../core/stream-definition';
import { exportersOfStreams } from './batch-exporters';
import { endConnections } from './end-connections';
import { derivedStreamsOf, ownStream } from './owned-stream';
import type { ManagementPorts } from './ports';

type StreamPorts = Pick<ManagementPorts, 'streams' | 'now' | 'audit'>;
type DeletePorts = Pick<ManagementPorts, 'streams' | 'exporters' | 'connections' | 'sockets' | 'audit'>;

export interface CreatedStream {
  stream: StreamRecord;
  /** The only time the secret is shown; only its hash is stored. */
  credentials: { clientId: string; clientSecret: string };
}

/** `GET /v1/streams`: the account's streams (client ids only, never secrets). */
export async function listStreams(
  ports: Pick<StreamPorts, 'streams'>,
  accountId: string,
): Promise<StreamRecord[]> {
  return ports.streams.list(accountId);
}

/**
 * `POST /v1/streams`: validates the definition (a derived stream's `linkedStream` must be a source stream
 * of the same account), gives it one client credential and stores it. ValidationError, ConflictError.
 */
export async function createStream(
  ports: StreamPorts,
  accountId: string,
  body: unknown,
): Promise<CreatedStream> {
  // The source is looked up first because validating a derived stream needs it.
  const sourceName = requestedSourceName(body);
  const source = isValidStreamName(sourceName) ? await ports.streams.get(accountId, sourceName) : undefined;
  const definition = validateStreamCreate(body, { source });
  const { clientId, clientSecret } = generateClientCredentials();
  const stream: StreamRecord = {
    ...definition,
    accountId,
    createdAt: new Date(ports.now()).toISOString(),
    credentials: [{ clientId }],
  };
  await ports.streams.create(stream, { clientId, secretHash: hashClientSecret(clientSecret) });
  ports.audit.info('stream created', { accountId, clientId });
  return { stream, credentials: { clientId, clientSecret } };
}

/** `GET /v1/streams/{name}`: the stream, the streams derived from it and its batch exporters. */
export async function getStream(
  ports: Pick<ManagementPorts, 'streams' | 'exporters'>,
  accountId: string,
  name: string,
): Promise<{ stream: StreamRecord; derived: StreamRecord[]; batchExporters: BatchExporterRecord[] }> {
  const stream = await ownStream(ports.streams, accountId, name);
  return {
    stream,
    derived: await derivedStreamsOf(ports.streams, accountId, stream),
    batchExporters: await ports.exporters.listByStream(accountId, stream.name),
  };
}

/**
 * `DELETE /v1/streams/{name}`: a source stream with derived streams, or a stream with batch exporters (of
 * its own or of its derived streams), is refused (409) unless `recursive`; then the exporters go first,
 * the derived streams next, the source last, each stream with its credentials, and then its WebSocket
 * subscribers are ended (a subscriber never outlives its stream). The stream names deleted, in that order.
 */
export async function deleteStream(
  ports: DeletePorts,
  accountId: string,
  name: string,
  opts: { recursive: boolean },
): Promise<string[]> {
  return (await deleteStreamTree(ports, accountId, name, opts)).streams;
}

/** deleteStream, also answering the names of the batch exporters it deleted. */
export async function deleteStreamTree(
  ports: DeletePorts,
  accountId: string,
  name: string,
  opts: { recursive: boolean },
): Promise<{ streams: string[]; batchExporters: string[] }> {
  const stream = await ownStream(ports.streams, accountId, name);
  const derived = await derivedStreamsOf(ports.streams, accountId, stream);
  if (derived.length > 0 && !opts.recursive) {
    const names = derived.map((d) => d.name).join(', ');
    throw new ConflictError(
      `stream ${stream.name} has derived streams (${names}); delete them first or use ?recursive=true`,
      'has_derived_streams',
    );
  }
  const deleted = [...derived, stream].map((doomed) => doomed.name);
  const exporters = await exportersOfStreams(ports, accountId, deleted);
  if (exporters.length > 0 && !opts.recursive) {
    const names = exporters.map((e) => e.name).join(', ');
    throw new ConflictError(
      `stream ${stream.name} has batch exporters (${names}); delete them first or use ?recursive=true`,
      'has_batch_exporters',
    );
  }
  for (const exporter of exporters) await ports.exporters.delete(accountId, exporter.name);
  let connectionsEnded = 0;
  for (const doomed of deleted) {
    await ports.streams.delete(accountId, doomed);
    connectionsEnded += await endConnections(ports, accountId, doomed);
  }
  ports.audit.info('streams deleted', {
    accountId,
    count: deleted.length,
    connectionsEnded,
    batchExporters: exporters.length,
  });
  return { streams: deleted, batchExporters: exporters.map((e) => e.name) };
}
