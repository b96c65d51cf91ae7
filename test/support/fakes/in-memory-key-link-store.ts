import { randomBytes } from 'node:crypto';
import { accountOfScope } from '../../../lambdas/core/key-link-scope';
import type {
  KeyEncryptionKeys,
  KeyLinkDeletion,
  KeyLinkDeletionLog,
  KeyLinkRecord,
  KeyLinkStore,
} from '../../../lambdas/core/key-links';

/**
 * In-memory KeyLinkStore for unit tests, with the same conditional semantics as the DynamoDB adapter:
 * createIfAbsent installs the candidate only when no live current link exists, else returns the live one.
 * Every call yields to the event loop first, so concurrent callers really interleave. `observedArguments`
 * records everything the store was given (to check that no plain key-field value reaches it). Deleting a
 * link logs it in the deletion log (with the clock given, default Date.now), as the adapter does.
 */
export class InMemoryKeyLinkStore implements KeyLinkStore, KeyLinkDeletionLog {
  readonly links = new Map<string, KeyLinkRecord>();
  readonly deletionLog: KeyLinkDeletion[] = [];
  /** Reads of the deletion log. */
  deletionLogReads = 0;
  private readonly now: () => number;

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now;
  }
  private readonly current = new Map<string, string>();
  readonly observedArguments: unknown[] = [];
  createCalls = 0;

  async findCurrent(scope: string, keyHash: string, nowMs: number): Promise<KeyLinkRecord | undefined> {
    await yieldToEventLoop();
    this.observedArguments.push(scope, keyHash);
    return this.liveCurrent(scope, keyHash, nowMs);
  }

  async createIfAbsent(candidate: KeyLinkRecord, nowMs: number): Promise<KeyLinkRecord> {
    await yieldToEventLoop();
    this.createCalls++;
    this.observedArguments.push(candidate);
    // No await between the check and the write: atomic, like a conditional put.
    const live = this.liveCurrent(candidate.scope, candidate.keyHash, nowMs);
    if (live) return live;
    this.links.set(candidate.keyLinkId, { ...candidate });
    this.current.set(currentKey(candidate.scope, candidate.keyHash), candidate.keyLinkId);
    return candidate;
  }

  async getById(keyLinkId: string): Promise<KeyLinkRecord | undefined> {
    await yieldToEventLoop();
    this.observedArguments.push(keyLinkId);
    return this.links.get(keyLinkId);
  }

  /** Reads of many links at once, and how many ids each carried. */
  readonly manyReads: number[] = [];

  async getManyById(keyLinkIds: readonly string[]): Promise<ReadonlyMap<string, KeyLinkRecord>> {
    await yieldToEventLoop();
    this.manyReads.push(keyLinkIds.length);
    this.observedArguments.push(...keyLinkIds);
    const found = new Map<string, KeyLinkRecord>();
    for (const id of keyLinkIds) {
      const record = this.links.get(id);
      if (record) found.set(id, record);
    }
    return found;
  }

  async deleteById(keyLinkId: string): Promise<boolean> {
    await yieldToEventLoop();
    const record = this.links.get(keyLinkId);
    if (!record) return false;
    const key = currentKey(record.scope, record.keyHash);
    if (this.current.get(key) === keyLinkId) this.current.delete(key);
    this.deletionLog.push({ keyLinkId, deletedAt: this.now() });
    this.links.delete(keyLinkId);
    return true;
  }

  async deletedSince(fromMs: number): Promise<KeyLinkDeletion[]> {
    await yieldToEventLoop();
    this.deletionLogReads++;
    return this.deletionLog.filter((entry) => entry.deletedAt >= fromMs).map((entry) => ({ ...entry }));
  }

  /** Like the DynamoDB adapter: deletes every key link of a data subject in an account; the ids deleted. */
  async deleteByDataSubject(accountId: string, dataSubjectHash: string): Promise<string[]> {
    await yieldToEventLoop();
    const ids = [...this.links.values()]
      .filter((link) => link.dataSubjectHash === dataSubjectHash && accountOfScope(link.scope) === accountId)
      .map((link) => link.keyLinkId);
    for (const id of ids) await this.deleteById(id);
    return ids;
  }

  private liveCurrent(scope: string, keyHash: string, nowMs: number): KeyLinkRecord | undefined {
    const id = this.current.get(currentKey(scope, keyHash));
    const record = id === undefined ? undefined : this.links.get(id);
    return record && record.expiresAt > nowMs ? record : undefined;
  }
}

/** In-memory KEKs: one random 32-byte KEK per scope, replaced when `rotate(scope)` is called. */
export class InMemoryKeyEncryptionKeys implements KeyEncryptionKeys {
  private readonly keks = new Map<string, Map<string, Uint8Array>>();
  private readonly currentIds = new Map<string, string>();
  private counter = 0;

  async current(scope: string, _nowMs: number): Promise<{ kekId: string; kek: Uint8Array }> {
    await yieldToEventLoop();
    const kekId = this.currentIds.get(scope) ?? this.rotate(scope);
    return { kekId, kek: this.keks.get(scope)!.get(kekId)! };
  }

  async byId(scope: string, kekId: string): Promise<Uint8Array | undefined> {
    await yieldToEventLoop();
    return this.keks.get(scope)?.get(kekId);
  }

  /** Makes a new KEK current for the scope; returns its id. Old KEKs stay readable. */
  rotate(scope: string): string {
    const kekId = `kek-${++this.counter}`;
    const forScope = this.keks.get(scope) ?? new Map<string, Uint8Array>();
    forScope.set(kekId, randomBytes(32));
    this.keks.set(scope, forScope);
    this.currentIds.set(scope, kekId);
    return kekId;
  }

  /** The raw KEK (tests only). */
  kek(scope: string, kekId: string): Uint8Array | undefined {
    return this.keks.get(scope)?.get(kekId);
  }
}

function currentKey(scope: string, keyHash: string): string {
  return `${scope}\u0000${keyHash}`;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
