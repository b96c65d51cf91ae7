import { randomUUID } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CachedLoader } from '../core/cached-loader';
import type { KeyLinkScope } from '../core/key-link-scope';
import type { KeyEncryptionKeys } from '../core/key-links';
import { wonConditionalWrite } from './conditional-write';
import { decryptDataKey, generateDataKey, type KmsDataKeys } from './data-keys';

/** A KEK is used for new key links for at most this long (the blueprint's "rotated at least daily"). */
export const DEFAULT_KEK_LIFETIME_MS = 24 * 60 * 60 * 1000;

interface CurrentKek {
  kekId: string;
  kek: Uint8Array;
  /** End of the period in which new key links are wrapped with this KEK (ms). */
  usableUntil: number;
}

/**
 * Key-encryption keys per scope (`<accountId>/<sourceStream>@<createdAt>`): 32-byte KMS data keys, stored
 * only as KMS `CiphertextBlob` bound to `{scope, kekId}` by the encryption context. Plaintexts are cached
 * in memory, so KMS is called only on a cache miss (first use in a process, or daily rotation).
 *
 * Items: `pk=kek#<scope>, sk=kek#<kekId>` → `{kekId, wrappedKek, createdAt}` (kept for as long as key
 * links wrapped with it exist: no TTL attribute); `pk=kek#<scope>, sk=current` → `{kekId, createdAt,
 * expiresAtMs, expiresAt (s, TTL)}`, replaced by a conditional put once expired.
 */
export class KmsKeyEncryptionKeys implements KeyEncryptionKeys {
  private readonly keys: KmsDataKeys;
  private readonly lifetimeMs: number;
  private readonly currentByScope: CachedLoader<KeyLinkScope, CurrentKek>;
  private readonly byIdCache: CachedLoader<string, Uint8Array | undefined>;

  constructor(
    private readonly opts: {
      doc: DynamoDBDocumentClient;
      kms: KMSClient;
      table: string;
      kmsKeyId: string;
      lifetimeMs?: number;
      cacheSize?: number;
    },
  ) {
    this.keys = { kms: opts.kms, kmsKeyId: opts.kmsKeyId };
    this.lifetimeMs = opts.lifetimeMs ?? DEFAULT_KEK_LIFETIME_MS;
    // Validity is the caller's clock against `usableUntil` (see current), not the cache's.
    this.currentByScope = new CachedLoader({ capacity: opts.cacheSize ?? 1000 });
    // A KEK never changes once stored; a missing one is asked for again next time.
    this.byIdCache = new CachedLoader({ capacity: opts.cacheSize ?? 1000, keep: (kek) => kek !== undefined });
  }

  async current(scope: KeyLinkScope, nowMs: number): Promise<{ kekId: string; kek: Uint8Array }> {
    let current = await this.currentByScope.get(scope, () => this.loadOrRotate(scope, nowMs));
    // A cached KEK past its period: rotate (one load for all concurrent callers).
    if (nowMs >= current.usableUntil) {
      this.currentByScope.delete(scope);
      current = await this.currentByScope.get(scope, () => this.loadOrRotate(scope, nowMs));
    }
    return { kekId: current.kekId, kek: current.kek };
  }

  byId(scope: KeyLinkScope, kekId: string): Promise<Uint8Array | undefined> {
    return this.byIdCache.get(`${scope}\u0000${kekId}`, () => this.loadById(scope, kekId));
  }

  private async loadOrRotate(scope: KeyLinkScope, nowMs: number): Promise<CurrentKek> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const pointer = await this.readPointer(scope);
      if (pointer && nowMs < pointer.expiresAtMs) {
        const kek = await this.byId(scope, pointer.kekId);
        if (kek) return { kekId: pointer.kekId, kek, usableUntil: pointer.expiresAtMs };
      }

      const kekId = randomUUID();
      const { plaintext, blob } = await generateDataKey(this.keys, { scope, kekId });
      await this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: { pk: kekPk(scope), sk: `kek#${kekId}`, kekId, wrappedKek: blob, createdAt: nowMs },
        }),
      );
      const expiresAtMs = nowMs + this.lifetimeMs;
      const won = await wonConditionalWrite(() =>
        this.opts.doc.send(
          new PutCommand({
            TableName: this.opts.table,
            Item: {
              pk: kekPk(scope),
              sk: 'current',
              kekId,
              createdAt: nowMs,
              expiresAtMs,
              expiresAt: Math.ceil(expiresAtMs / 1000),
            },
            ConditionExpression:
              pointer === undefined
                ? 'attribute_not_exists(pk)'
                : 'attribute_not_exists(pk) OR kekId = :previous',
            ExpressionAttributeValues: pointer === undefined ? undefined : { ':previous': pointer.kekId },
          }),
        ),
      );
      if (won) {
        this.byIdCache.set(`${scope}\u0000${kekId}`, plaintext);
        return { kekId, kek: plaintext, usableUntil: expiresAtMs };
      }
      // Another process rotated first: drop ours (nothing was wrapped with it) and use theirs.
      await this.opts.doc.send(
        new DeleteCommand({ TableName: this.opts.table, Key: { pk: kekPk(scope), sk: `kek#${kekId}` } }),
      );
    }
    throw new Error('could not settle the current key-encryption key');
  }

  private async readPointer(
    scope: KeyLinkScope,
  ): Promise<{ kekId: string; expiresAtMs: number } | undefined> {
    const { Item } = await this.opts.doc.send(
      new GetCommand({
        TableName: this.opts.table,
        Key: { pk: kekPk(scope), sk: 'current' },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return { kekId: String(Item.kekId), expiresAtMs: Number(Item.expiresAtMs) };
  }

  private async loadById(scope: KeyLinkScope, kekId: string): Promise<Uint8Array | undefined> {
    const { Item } = await this.opts.doc.send(
      new GetCommand({
        TableName: this.opts.table,
        Key: { pk: kekPk(scope), sk: `kek#${kekId}` },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return decryptDataKey(this.keys, new Uint8Array(Item.wrappedKek as Uint8Array), { scope, kekId });
  }
}

function kekPk(scope: KeyLinkScope): string {
  return `kek#${scope}`;
}
