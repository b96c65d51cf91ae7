import { randomUUID } from 'node:crypto';
import { unwrapKey, wrapKey } from './key-wrap';
import { keyedHash } from './keyed-hash';
import { LruCache } from './lru-cache';
import { generateTinkAesSivKey, TinkDeterministicAead } from './tink-daead';

/**
 * Key links: one AES256_SIV key per key-field value (e.g. a session id) and rotation period. The first
 * event for a value creates the link; later events reuse it until it expires, then a new one is made.
 * Stores only ever see a keyed hash of the value, and the key only wrapped under a key-encryption key
 * (KEK) with the key link id as associated data.
 */
export interface KeyLinkRecord {
  keyLinkId: string;
  scope: string;
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
  findCurrent(scope: string, keyHash: string, nowMs: number): Promise<KeyLinkRecord | undefined>;
  /** Installs the candidate as current unless a live current exists (conditional write); returns the winner. */
  createIfAbsent(candidate: KeyLinkRecord, nowMs: number): Promise<KeyLinkRecord>;
  /** A link by id, expired or not; undefined once deleted (shredded). */
  getById(keyLinkId: string): Promise<KeyLinkRecord | undefined>;
  /** Deletes a link (and any current pointer to it); true if it existed. */
  deleteById(keyLinkId: string): Promise<boolean>;
}

export interface KeyEncryptionKeys {
  current(scope: string, nowMs: number): Promise<{ kekId: string; kek: Uint8Array }>;
  byId(scope: string, kekId: string): Promise<Uint8Array | undefined>;
}

/** A stored key link that cannot be opened (its KEK is missing or the wrapped key does not verify): a 500, not a 4xx. */
export class KeyLinkIntegrityError extends Error {
  constructor(keyLinkId: string, reason: string) {
    super(`key link ${keyLinkId} cannot be opened: ${reason}`);
    this.name = 'KeyLinkIntegrityError';
  }
}

export const DEFAULT_ROTATION_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_KEY_LINK_CACHE_SIZE = 10_000;
/**
 * How long a cached key is trusted before the store is asked again: a deleted (crypto-shredded) key link
 * stops being used for new events, and stops decrypting, in every warm process within this bound.
 */
export const DEFAULT_KEY_LINK_CACHE_TTL_MS = 30 * 1000;

interface CachedLink {
  record: KeyLinkRecord;
  aead: TinkDeterministicAead;
  validUntil: number;
}

interface CachedAead {
  aead: TinkDeterministicAead;
  validUntil: number;
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
  now?: () => number;
}

/**
 * Finds or creates the key link for a key-field value, and opens key links by id, with an LRU cache of
 * unwrapped keys. Concurrent requests for the same value in one process share one store round trip;
 * concurrent processes agree through the store's conditional `createIfAbsent`.
 */
export class KeyLinkResolver {
  private readonly store: KeyLinkStore;
  private readonly keks: KeyEncryptionKeys;
  private readonly lookupSecret: Uint8Array;
  private readonly rotationMs: number;
  private readonly cacheTtlMs: number;
  private readonly now: () => number;
  private readonly byValue: LruCache<string, CachedLink>;
  private readonly byLinkId: LruCache<string, CachedAead>;
  private readonly valueInFlight = new Map<string, Promise<CachedLink>>();
  private readonly idInFlight = new Map<string, Promise<TinkDeterministicAead | undefined>>();

  constructor(deps: KeyLinkResolverDeps) {
    this.store = deps.store;
    this.keks = deps.keks;
    this.lookupSecret = deps.lookupSecret;
    this.rotationMs = positive(deps.rotationMs ?? DEFAULT_ROTATION_MS, 'rotationMs');
    this.cacheTtlMs = positive(deps.cacheTtlMs ?? DEFAULT_KEY_LINK_CACHE_TTL_MS, 'cacheTtlMs');
    this.now = deps.now ?? Date.now;
    const size = deps.cacheSize ?? DEFAULT_KEY_LINK_CACHE_SIZE;
    this.byValue = new LruCache(size);
    this.byLinkId = new LruCache(size);
  }

  /**
   * The keyed hash under which a key-field value is looked up (never the plain value). The data subject is
   * part of it, so each (key-field value, data subject) pair has a key link of its own: forgetting a data
   * subject then shreds exactly that subject's events, also when a session changes subject part-way.
   */
  keyHashOf(scope: string, keyFieldValue: string, dataSubjectHash = ''): string {
    return keyedHash(this.lookupSecret, scope, keyFieldValue, dataSubjectHash);
  }

  /**
   * The live key link for a key-field value in a scope (`<accountId>/<sourceStream>`), creating one when
   * none is live. `rotationMs` overrides the lifetime of a link created by this call (per-stream setting).
   */
  async forKeyFieldValue(
    scope: string,
    keyFieldValue: string,
    opts: { rotationMs?: number; dataSubjectHash?: string } = {},
  ): Promise<{ keyLinkId: string; aead: TinkDeterministicAead }> {
    const keyHash = this.keyHashOf(scope, keyFieldValue, opts.dataSubjectHash);
    const cacheKey = `${scope}\u0000${keyHash}`;
    const cached = this.byValue.get(cacheKey);
    if (cached && this.now() < cached.validUntil)
      return { keyLinkId: cached.record.keyLinkId, aead: cached.aead };

    let pending = this.valueInFlight.get(cacheKey);
    if (!pending) {
      pending = this.loadOrCreate(scope, keyHash, opts).finally(() => this.valueInFlight.delete(cacheKey));
      this.valueInFlight.set(cacheKey, pending);
    }
    const link = await pending;
    this.byValue.set(cacheKey, link);
    return { keyLinkId: link.record.keyLinkId, aead: link.aead };
  }

  /** The cipher of a key link by id, or undefined when the store no longer has it (crypto-shredded). */
  async byId(keyLinkId: string): Promise<TinkDeterministicAead | undefined> {
    const cached = this.byLinkId.get(keyLinkId);
    if (cached && this.now() < cached.validUntil) return cached.aead;

    let pending = this.idInFlight.get(keyLinkId);
    if (!pending) {
      pending = this.loadById(keyLinkId).finally(() => this.idInFlight.delete(keyLinkId));
      this.idInFlight.set(keyLinkId, pending);
    }
    return pending;
  }

  /** Drops a key link from this process's caches (call after deleting it). */
  forget(keyLinkId: string): void {
    this.byLinkId.delete(keyLinkId);
    this.byValue.deleteWhere((link) => link.record.keyLinkId === keyLinkId);
  }

  private async loadOrCreate(
    scope: string,
    keyHash: string,
    opts: { rotationMs?: number; dataSubjectHash?: string },
  ): Promise<CachedLink> {
    const now = this.now();
    const current = await this.store.findCurrent(scope, keyHash, now);
    if (current && current.expiresAt > now) return this.remember(current, await this.open(current), now);

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
    const aead =
      winner.keyLinkId === candidate.keyLinkId ? new TinkDeterministicAead(key) : await this.open(winner);
    return this.remember(winner, aead, now);
  }

  private async loadById(keyLinkId: string): Promise<TinkDeterministicAead | undefined> {
    const record = await this.store.getById(keyLinkId);
    if (!record) return undefined;
    const aead = await this.open(record);
    this.byLinkId.set(keyLinkId, { aead, validUntil: this.now() + this.cacheTtlMs });
    return aead;
  }

  private remember(record: KeyLinkRecord, aead: TinkDeterministicAead, now: number): CachedLink {
    this.byLinkId.set(record.keyLinkId, { aead, validUntil: now + this.cacheTtlMs });
    return { record, aead, validUntil: Math.min(record.expiresAt, now + this.cacheTtlMs) };
  }

  private async open(record: KeyLinkRecord): Promise<TinkDeterministicAead> {
    const kek = await this.keks.byId(record.scope, record.kekId);
    if (!kek) throw new KeyLinkIntegrityError(record.keyLinkId, 'its key-encryption key is missing');
    let keyValue: Buffer;
    try {
      keyValue = unwrapKey(kek, record.keyLinkId, record.wrappedKey);
    } catch {
      throw new KeyLinkIntegrityError(record.keyLinkId, 'the wrapped key does not verify');
    }
    return new TinkDeterministicAead({ keyId: record.keyId, keyValue });
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`${name} must be a positive number of milliseconds`);
  return value;
}
