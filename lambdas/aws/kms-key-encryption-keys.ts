import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { KeyEncryptionKeys } from '../core/key-links';
import { LruCache } from '../core/lru-cache';

/** A KEK is used for new key links for at most this long (the blueprint's "rotated at least daily"). */
export const DEFAULT_KEK_LIFETIME_MS = 24 * 60 * 60 * 1000;

interface CurrentKek {
  kekId: string;
  kek: Uint8Array;
  /** End of the period in which new key links are wrapped with this KEK (ms). */
  usableUntil: number;
}

/**
 * Key-encryption keys per scope (`<accountId>/<sourceStream>`): 32-byte KMS data keys, stored only as
 * KMS `CiphertextBlob` bound to `{scope, kekId}` by the encryption context. Plaintexts are cached in
 * memory, so KMS is called only on a cache miss (first use in a process, or daily rotation).
 *
 * Items: `pk=kek#<scope>, sk=kek#<kekId>` → `{kekId, wrappedKek, createdAt}` (kept for as long as key
 * links wrapped with it exist: no TTL attribute); `pk=kek#<scope>, sk=current` → `{kekId, createdAt,
 * expiresAtMs, expiresAt (s, TTL)}`, replaced by a conditional put once expired.
 */
export class KmsKeyEncryptionKeys implements KeyEncryptionKeys {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly kms: KMSClient;
  private readonly tableName: string;
  private readonly kmsKeyId: string;
  private readonly lifetimeMs: number;
  private readonly currentByScope = new Map<string, CurrentKek>();
  private readonly currentInFlight = new Map<string, Promise<CurrentKek>>();
  private readonly byIdCache: LruCache<string, Uint8Array>;
  private readonly byIdInFlight = new Map<string, Promise<Uint8Array | undefined>>();

  constructor(deps: {
    dynamo: DynamoDBDocumentClient;
    kms: KMSClient;
    tableName: string;
    kmsKeyId: string;
    lifetimeMs?: number;
    cacheSize?: number;
  }) {
    this.dynamo = deps.dynamo;
    this.kms = deps.kms;
    this.tableName = deps.tableName;
    this.kmsKeyId = deps.kmsKeyId;
    this.lifetimeMs = deps.lifetimeMs ?? DEFAULT_KEK_LIFETIME_MS;
    this.byIdCache = new LruCache(deps.cacheSize ?? 1000);
  }

  async current(scope: string, nowMs: number): Promise<{ kekId: string; kek: Uint8Array }> {
    const cached = this.currentByScope.get(scope);
    if (cached && nowMs < cached.usableUntil) return { kekId: cached.kekId, kek: cached.kek };

    let pending = this.currentInFlight.get(scope);
    if (!pending) {
      pending = this.loadOrRotate(scope, nowMs).finally(() => this.currentInFlight.delete(scope));
      this.currentInFlight.set(scope, pending);
    }
    const current = await pending;
    this.currentByScope.set(scope, current);
    return { kekId: current.kekId, kek: current.kek };
  }

  async byId(scope: string, kekId: string): Promise<Uint8Array | undefined> {
    const cacheKey = `${scope}\u0000${kekId}`;
    const cached = this.byIdCache.get(cacheKey);
    if (cached) return cached;

    let pending = this.byIdInFlight.get(cacheKey);
    if (!pending) {
      pending = this.loadById(scope, kekId).finally(() => this.byIdInFlight.delete(cacheKey));
      this.byIdInFlight.set(cacheKey, pending);
    }
    const kek = await pending;
    if (kek) this.byIdCache.set(cacheKey, kek);
    return kek;
  }

  private async loadOrRotate(scope: string, nowMs: number): Promise<CurrentKek> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const pointer = await this.readPointer(scope);
      if (pointer && nowMs < pointer.expiresAtMs) {
        const kek = await this.byId(scope, pointer.kekId);
        if (kek) return { kekId: pointer.kekId, kek, usableUntil: pointer.expiresAtMs };
      }

      const kekId = randomUUID();
      const generated = await this.kms.send(
        new GenerateDataKeyCommand({
          KeyId: this.kmsKeyId,
          KeySpec: 'AES_256',
          EncryptionContext: { scope, kekId },
        }),
      );
      if (!generated.Plaintext || !generated.CiphertextBlob)
        throw new Error('KMS GenerateDataKey returned no key');
      await this.dynamo.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: kekPk(scope),
            sk: `kek#${kekId}`,
            kekId,
            wrappedKek: generated.CiphertextBlob,
            createdAt: nowMs,
          },
        }),
      );
      const expiresAtMs = nowMs + this.lifetimeMs;
      try {
        await this.dynamo.send(
          new PutCommand({
            TableName: this.tableName,
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
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        // Another process rotated first: drop ours (nothing was wrapped with it) and use theirs.
        await this.dynamo.send(
          new DeleteCommand({ TableName: this.tableName, Key: { pk: kekPk(scope), sk: `kek#${kekId}` } }),
        );
        continue;
      }
      const kek = new Uint8Array(generated.Plaintext);
      this.byIdCache.set(`${scope}\u0000${kekId}`, kek);
      return { kekId, kek, usableUntil: expiresAtMs };
    }
    throw new Error('could not settle the current key-encryption key');
  }

  private async readPointer(scope: string): Promise<{ kekId: string; expiresAtMs: number } | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: kekPk(scope), sk: 'current' },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return { kekId: String(Item.kekId), expiresAtMs: Number(Item.expiresAtMs) };
  }

  private async loadById(scope: string, kekId: string): Promise<Uint8Array | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: kekPk(scope), sk: `kek#${kekId}` },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const decrypted = await this.kms.send(
      new DecryptCommand({
        KeyId: this.kmsKeyId,
        CiphertextBlob: new Uint8Array(Item.wrappedKek as Uint8Array),
        EncryptionContext: { scope, kekId },
      }),
    );
    if (!decrypted.Plaintext) throw new Error('KMS Decrypt returned no key');
    return new Uint8Array(decrypted.Plaintext);
  }
}

function kekPk(scope: string): string {
  return `kek#${scope}`;
}
