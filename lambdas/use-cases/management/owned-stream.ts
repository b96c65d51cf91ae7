import { NotFoundError } from '../../core/errors';
import { isValidStreamName, type StreamRecord } from '../../core/stream-definition';
import type { StreamStore } from './ports';

/**
 * A stream of the caller's account. A stream of another account, a missing one and a name that cannot be
 * a stream are the same 404, so a caller never learns what other accounts have.
 */
export async function ownStream(
  streams: Pick<StreamStore, 'get'>,
  accountId: string,
  name: string,
): Promise<StreamRecord> {
  const stream = isValidStreamName(name) ? await streams.get(accountId, name) : undefined;
  if (!stream) throw new NotFoundError(`stream ${name} not found`);
  return stream;
}

/** The derived streams of a stream (none for a derived stream: it cannot be a source). */
export async function derivedStreamsOf(
  streams: Pick<StreamStore, 'listDerived'>,
  accountId: string,
  stream: StreamRecord,
): Promise<StreamRecord[]> {
  return stream.linkedStream === undefined ? streams.listDerived(accountId, stream.name) : [];
}
