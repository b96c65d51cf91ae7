import { randomUUID } from 'node:crypto';
import { BatchedLoader } from './batched-loader';
import { CachedLoader } from './cached-loader';
import { ServiceUnavailableError } from './errors';
import type { KeyLinkScope } from './key-link-scope';
import { unwrapKey, wrapKey } from './key-wrap';
import { keyedHash } from './keyed-hash';
import { generateTinkAesSivKey, type TinkAesSivKey, TinkDeterministicAead } from './tink-daead';

/**
 * Key links: one AES256_SIV key per key-field value (e.g. a session id) and rotation period. The first
 * event for a value creates the link; later events reuse it until it expires, then a new one is made.
 * Stores only ever see a keyed hash of the value, and the key only wrapped under a key-encryption key
 * (KEK) with the key link id as associated data.
 */
export interface KeyLinkRecord {
  keyLinkId: string;
  scope: KeyLinkScope;
  keyHash: string;
  keyId: number;
  wrappedKey: Uint8Array;
  kekId: string;
  createdAt: number /* ms */;
  /** End of the period in which new events use this link (ms). Decryption works after it, until shredded. */
  expiresAt: number /* ms */;
  dataSubjectHash?: string;
}

export interface KeyLinkStore {
  /** The live (expiresAt > nowMs) current link for a value, if any. */
  findCurrent(scope: KeyLinkScope, keyHash: string, nowMs: number): Promise<KeyLinkRecord | undefined>;
  /** Installs the candidate as current unless a live current exists (conditional write); returns the winner. */
  createIfAbsent(candidate: KeyLinkRecord, nowMs: number): Promise<KeyLinkRecord>;
  /** A link by id, expired or not; undefined once deleted (shredded). */
  getById(keyLinkId: string): Promise<KeyLinkRecord | undefined>;
  /** The links of many ids at once (at most 100; a shredded one is absent from the map), read as getById reads. */
  getManyById(keyLinkIds: readonly string[]): Promise<ReadonlyMap<string, KeyLinkRecord>>;
  /** Deletes a link (and any current pointer to it); true if it existed. */
  deleteById(keyLinkId: string): Promise<boolean>;
}

/** A key link deleted at a time (ms): an entry of the deletion log. */
export interface KeyLinkDeletion {
  keyLinkId: string;
  deletedAt: number;
}

/**
 * The log of recently deleted key links, which every process polls (at most once a second) so that a
 * shredded key stops being used from its caches within seconds, without a store read per event.
 */
export interface KeyLinkDeletionLog {
  /** Deletions logged at or after `fromMs` (a window: entries may repeat across calls). */
  deletedSince(fromMs: number): Promise<KeyLinkDeletion[]>;
}

export interface KeyEncryptionKeys {
  current(scope: KeyLinkScope, nowMs: number): Promise<{ kekId: string; kek: Uint8Array }>;
  byId(scope: KeyLinkScope, kekId: string): Promise<Uint8Array | undefined>;
}

/** A stored key link that cannot be opened (its KEK is missing or the wrapped key does not verify): a 500, not a 4xx. */
export class KeyLinkIntegrityError extends Error {
  constructor(keyLinkId: string, reason: string) {
    super(`key link ${keyLinkId} cannot be opened: ${reason}`);
    this.name = 'KeyLinkIntegrityError';
  }
}

export const DEFAULT_ROTATION_MS = 24 * 60 * 60 * 1000;
/** Key links read by id in one store call at most (DynamoDB BatchGetItem takes 100 keys). */
export const MAX_LINKS_PER_READ = 100;
export const DEFAULT_KEY_LINK_CACHE_SIZE = 10_000;
/**
 * How long a cached key is trusted before the store is asked again: the bound on a deleted key link's use
 * should a process not see its entry in the deletion log (the log is the fast path: within a second).
 */
export const DEFAULT_KEY_LINK_CACHE_TTL_MS = 30 * 1000;
/** How often a process reads the deletion log (at most). */
export const DEFAULT_DELETION_POLL_MS = 1000;
/**
 * Each read of the deletion log starts this long before the previous read started, so an entry written
 * with a slightly earlier clock, or committed just after a read, is still seen by the next one.
 */
const DELETION_LOG_OVERLAP_MS = 10_000;
/** A process's first read looks this far back: deletions under way while it started. */
const DELETION_LOG_FIRST_LOOKBACK_MS = 60_000;
/** Ids seen in the log are refused for this long (covers a link deleted from the store just after its entry). */
const DENIED_FOR_MS = 2 * 60_000;
/** A deletion removes the link's pointer right after logging it: a second is enough to come back. */
const BEING_DELETED_RETRY_SECONDS = 1;

interface CachedLink {
  record: KeyLinkRecord;
  aead: TinkDeterministicAead;
}

export interface KeyLinkResolverDeps {
  store: KeyLinkStore;
  keks: KeyEncryptionKeys;
  /** Secret for the keyed hash of key-field values (32 bytes). */
  lookupSecret: Uint8Array;
  /** Default lifetime of a new key link (24 h). */
  rotationMs?: number;
  /** Entries per cache (10,000). */
  cacheSize?: number;
  /** Maximum age of a cached key before the store is consulted again (30 s). */
  cacheTtlMs?: number;
  /** The deletion log to poll; without it only the cache TTL bounds a deleted link's use. */
  deletions?: KeyLinkDeletionLog;
  /** At most one read of the deletion log per this interval (1 s). */
  deletionPollMs?: number;
  now?: () => number;
}

/**
 * Finds or creates the key link for a key-field value, and opens key links by id, with an LRU cache of
 * unwrapped keys. Concurrent requests for the same value in one process share one store round trip;
 * concurrent processes agree through the store's conditional `createIfAbsent`. Before a lookup, the
 * deletion log is read when the last read is more than `deletionPollMs` old (one read shared by all
 * concurrent lookups): every link in it is dropped from the caches and refused, so a shredded link is
 * neither used for new events (a new link is made) nor decrypted a second after its deletion.
 */
export class KeyLinkResolver {
  private readonly store: KeyLinkStore;
  private readonly keks: KeyEncryptionKeys;
  private readonly lookupSecret: Uint8Array;
  private readonly rotationMs: number;
  private readonly now: () => number;
  /** By `<scope>\0<keyHash>`: trusted until the link's period ends or the cache TTL, whichever is first. */
  private readonly byValue: CachedLoader<string, CachedLink>;
  /** By key link id: a found link for the cache TTL, a shredded (missing) one for as long as it stays in the LRU. */
  private readonly byLinkId: CachedLoader<string, TinkDeterministicAead | undefined>;
  /** Links read by id: the ids asked for in one turn are read with one batch read. */
  private readonly linkReads: BatchedLoader<string, KeyLinkRecord>;
  private readonly deletions: KeyLinkDeletionLog | undefined;
  private readonly deletionPollMs: number;
  /** When the last successful read of the deletion log started. */
  private deletionsReadFrom = Number.NEGATIVE_INFINITY;
  private deletionsRead: Promise<void> | undefined;
  /** Deleted ids (seen in the log) and until when they are refused. */
  private readonly denied = new Map<string, number>();

  constructor(deps: KeyLinkResolverDeps) {
    this.store = deps.store;
    this.keks = deps.keks;
    this.lookupSecret = deps.lookupSecret;
    this.rotationMs = positive(deps.rotationMs ?? DEFAULT_ROTATION_MS, 'rotationMs');
    const cacheTtlMs = positive(deps.cacheTtlMs ?? DEFAULT_KEY_LINK_CACHE_TTL_MS, 'cacheTtlMs');
    this.now = deps.now ?? Date.now;
    this.deletions = deps.deletions;
    this.deletionPollMs = positive(deps.deletionPollMs ?? DEFAULT_DELETION_POLL_MS, 'deletionPollMs');
    const capacity = deps.cacheSize ?? DEFAULT_KEY_LINK_CACHE_SIZE;
    this.byValue = new CachedLoader({
      capacity,
      now: this.now,
      validUntil: (link, loadedAt) => Math.min(link.record.expiresAt, loadedAt + cacheTtlMs),
    });
    this.linkReads = new BatchedLoader((ids) => this.store.getManyById(ids), MAX_LINKS_PER_READ);
    this.byLinkId = new CachedLoader({
      capacity,
      now: this.now,
      // A miss is kept for good: key-link ids are never reused, and an event names only a link that
      // existed when it was sealed (createIfAbsent stores the link before anyone can use it), so a link
      // the store does not have was shredded. Without this, every later event of it costs a store read.
      validUntil: (aead, loadedAt) => (aead === undefined ? Number.POSITIVE_INFINITY : loadedAt + cacheTtlMs),
    });
  }

  /**
   * The keyed hash under which a key-field value is looked up (never the plain value). The data subject is
   * part of it, so each (key-field value, data subject) pair has a key link of its own: forgetting a data
   * subject then shreds exactly that subject's events, also when a session changes subject part-way.
   */
  keyHashOf(scope: KeyLinkScope, keyFieldValue: string, dataSubjectHash = ''): string {
    return keyedHash(this.lookupSecret, scope, keyFieldValue, dataSubjectHash);
  }

  /**
   * The live key link for a key-field value in a scope, creating one when none is live. `rotationMs`
   * overrides the lifetime of a link created by this call (per-stream setting).
   */
  async forKeyFieldValue(
    scope: KeyLinkScope,
    keyFieldValue: string,
    opts: { rotationMs?: number; dataSubjectHash?: string } = {},
  ): Promise<{ keyLinkId: string; aead: TinkDeterministicAead }> {
    const keyHash = this.keyHashOf(scope, keyFieldValue, opts.dataSubjectHash);
    await this.syncDeletions();
    const link = await this.byValue.get(`${scope}\u0000${keyHash}`, () =>
      this.loadOrCreate(scope, keyHash, opts),
    );
    return { keyLinkId: link.record.keyLinkId, aead: link.aead };
  }

  /**
   * The cipher of a key link by id, or undefined when the store no longer has it (crypto-shredded). Links
   * not cached that are asked for at the same time (a batch of records) are read together.
   */
  async byId(keyLinkId: string): Promise<TinkDeterministicAead | undefined> {
    await this.syncDeletions();
    if (this.isDenied(keyLinkId)) return undefined;
    return this.byLinkId.get(keyLinkId, () => this.loadById(keyLinkId));
  }

  /** Drops a key link from this process's caches (call after deleting it). */
  forget(keyLinkId: string): void {
    this.byLinkId.delete(keyLinkId);
    this.byValue.deleteWhere((link) => link.record.keyLinkId === keyLinkId);
  }

  /** Reads the deletion log if the last read is older than the poll interval; one read at a time. */
  private async syncDeletions(): Promise<void> {
    if (!this.deletions) return;
    const now = this.now();
    if (now - this.deletionsReadFrom < this.deletionPollMs) return;
    this.deletionsRead ??= this.readDeletions(this.deletions, now).finally(() => {
      this.deletionsRead = undefined;
    });
    await this.deletionsRead;
  }

  private async readDeletions(log: KeyLinkDeletionLog, startedAt: number): Promise<void> {
    const first = this.deletionsReadFrom === Number.NEGATIVE_INFINITY;
    const from = first
      ? startedAt - DELETION_LOG_FIRST_LOOKBACK_MS
      : this.deletionsReadFrom - DELETION_LOG_OVERLAP_MS;
    const deleted = await log.deletedSince(from);
    for (const [id, until] of this.denied) if (until <= startedAt) this.denied.delete(id);
    for (const { keyLinkId } of deleted) {
      if (!this.denied.has(keyLinkId)) this.forget(keyLinkId);
      this.denied.set(keyLinkId, startedAt + DENIED_FOR_MS);
    }
    this.deletionsReadFrom = startedAt;
  }

  private isDenied(keyLinkId: string): boolean {
    const until = this.denied.get(keyLinkId);
    return until !== undefined && until > this.now();
  }

  private async loadOrCreate(
    scope: KeyLinkScope,
    keyHash: string,
    opts: { rotationMs?: number; dataSubjectHash?: string },
  ): Promise<CachedLink> {
    const now = this.now();
    const current = await this.store.findCurrent(scope, keyHash, now);
    if (current && current.expiresAt > now && !this.isDenied(current.keyLinkId)) {
      return this.remember(current, await this.open(current));
    }

    const key = generateTinkAesSivKey();
    const keyLinkId = randomUUID();
    const { kekId, kek } = await this.keks.current(scope, now);
    const candidate: KeyLinkRecord = {
      keyLinkId,
      scope,
      keyHash,
      keyId: key.keyId,
      wrappedKey: wrapKey(kek, keyLinkId, key.keyValue),
      kekId,
      createdAt: now,
      expiresAt: now + positive(opts.rotationMs ?? this.rotationMs, 'rotationMs'),
    };
    if (opts.dataSubjectHash !== undefined) candidate.dataSubjectHash = opts.dataSubjectHash;

    const winner = await this.store.createIfAbsent(candidate, now);
    // Only while a deletion is half done (its pointer not yet removed): fail this one, never use the link.
    if (this.isDenied(winner.keyLinkId)) {
      throw new ServiceUnavailableError(
        'the current key link is being deleted; retry',
        'key_link_being_deleted',
        BEING_DELETED_RETRY_SECONDS,
      );
    }
    const aead =
      winner.keyLinkId === candidate.keyLinkId ? new TinkDeterministicAead(key) : await this.open(winner);
    return this.remember(winner, aead);
  }

  private async loadById(keyLinkId: string): Promise<TinkDeterministicAead | undefined> {
    const record = await this.linkReads.load(keyLinkId);
    return record && !this.isDenied(keyLinkId) ? this.open(record) : undefined;
  }

  /** A link just resolved by value is also known by id. */
  private remember(record: KeyLinkRecord, aead: TinkDeterministicAead): CachedLink {
    this.byLinkId.set(record.keyLinkId, aead);
    return { record, aead };
  }

  private async open(record: KeyLinkRecord): Promise<TinkDeterministicAead> {
    return new TinkDeterministicAead(await openKeyLink(record, this.keks));
  }
}

/**
 * The key of a stored key link, unwrapped with its key-encryption key: the one way a key link is opened
 * (to encrypt and decrypt events, and to export it as a Tink keyset). A missing KEK or a wrapped key that
 * does not verify is stored data we cannot trust, so a KeyLinkIntegrityError (a 500), never a 4xx.
 */
export async function openKeyLink(
  record: KeyLinkRecord,
  keks: Pick<KeyEncryptionKeys, 'byId'>,
): Promise<TinkAesSivKey> {
  const kek = await keks.byId(record.scope, record.kekId);
  if (!kek) throw new KeyLinkIntegrityError(record.keyLinkId, 'its key-encryption key is missing');
  try {
    return { keyId: record.keyId, keyValue: unwrapKey(kek, record.keyLinkId, record.wrappedKey) };
  } catch {
    throw new KeyLinkIntegrityError(record.keyLinkId, 'the wrapped key does not verify');
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number of milliseconds`);
  return value;
}
