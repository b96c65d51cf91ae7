import type { StreamCredential, StreamsRepo } from '../../../lambdas/aws/streams-repo';
import { ConflictError } from '../../../lambdas/core/errors';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';

type StreamsRepoSurface = Pick<
  StreamsRepo,
  | 'get'
  | 'list'
  | 'listDerived'
  | 'create'
  | 'delete'
  | 'getCredential'
  | 'addCredential'
  | 'removeCredential'
>;

/**
 * In-memory stand-in for the streams table with the adapter's semantics: a name clash on create is a
 * ConflictError, deleting a stream deletes its credentials, a credential is added to / removed from a
 * stream's list together with its item (not beyond `maxCredentials`), reads return copies. For unit tests of
 * handlers and use cases (no emulator, no network).
 */
export class InMemoryStreamsRepo implements StreamsRepoSurface {
  readonly streams = new Map<string, StreamRecord>();
  readonly credentials = new Map<string, StreamCredential>();
  /** Calls per method, to check what a cache saves. */
  readonly calls: Record<string, number> = {};

  async get(accountId: string, name: string): Promise<StreamRecord | undefined> {
    this.count('get');
    const stream = this.streams.get(key(accountId, name));
    return stream ? structuredClone(stream) : undefined;
  }

  async list(accountId: string): Promise<StreamRecord[]> {
    this.count('list');
    return [...this.streams.values()]
      .filter((stream) => stream.accountId === accountId)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((stream) => structuredClone(stream));
  }

  async listDerived(accountId: string, sourceName: string): Promise<StreamRecord[]> {
    this.count('listDerived');
    return (await this.list(accountId)).filter((stream) => stream.linkedStream === sourceName);
  }

  async create(record: StreamRecord, credential: { clientId: string; secretHash: string }): Promise<void> {
    this.count('create');
    if (this.streams.has(key(record.accountId, record.name))) {
      throw new ConflictError(`stream ${record.name} already exists`, 'stream_exists');
    }
    this.streams.set(key(record.accountId, record.name), structuredClone(record));
    this.credentials.set(credential.clientId, {
      ...credential,
      accountId: record.accountId,
      streamName: record.name,
    });
  }

  async delete(accountId: string, name: string): Promise<void> {
    this.count('delete');
    const stream = this.streams.get(key(accountId, name));
    if (!stream) return;
    for (const { clientId } of stream.credentials) this.credentials.delete(clientId);
    this.streams.delete(key(accountId, name));
  }

  async addCredential(
    accountId: string,
    name: string,
    credential: { clientId: string; secretHash: string; createdAt: string; expiresAt?: string },
    opts: { maxCredentials?: number } = {},
  ): Promise<StreamRecord | undefined> {
    this.count('addCredential');
    const stream = this.streams.get(key(accountId, name));
    if (!stream) return undefined;
    const listed = stream.credentials ?? [];
    if (opts.maxCredentials !== undefined && listed.length >= opts.maxCredentials) return undefined;
    const added = credential.expiresAt === undefined ? {} : { expiresAt: credential.expiresAt };
    stream.credentials = [...listed, { clientId: credential.clientId, ...added }];
    this.credentials.set(credential.clientId, {
      clientId: credential.clientId,
      secretHash: credential.secretHash,
      accountId,
      streamName: name,
    });
    return structuredClone(stream);
  }

  async removeCredential(accountId: string, name: string, clientId: string): Promise<boolean> {
    this.count('removeCredential');
    const stream = this.streams.get(key(accountId, name));
    if (!stream?.credentials.some((c) => c.clientId === clientId)) return false;
    stream.credentials = stream.credentials.filter((c) => c.clientId !== clientId);
    this.credentials.delete(clientId);
    return true;
  }

  async getCredential(clientId: string): Promise<StreamCredential | undefined> {
    this.count('getCredential');
    const credential = this.credentials.get(clientId);
    return credential ? { ...credential } : undefined;
  }

  /** Stores a stream as a test prepares it (no credential record unless `secretHash` is given). */
  put(record: StreamRecord, secretHash?: string): void {
    this.streams.set(key(record.accountId, record.name), structuredClone(record));
    if (secretHash !== undefined) {
      for (const { clientId } of record.credentials) {
        this.credentials.set(clientId, {
          clientId,
          secretHash,
          accountId: record.accountId,
          streamName: record.name,
        });
      }
    }
  }

  private count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
  }
}

function key(accountId: string, name: string): string {
  return `${accountId}\u0000${name}`;
}
