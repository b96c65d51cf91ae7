import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { KeyLinkRecord, KeyLinkStore } from '../core/key-links';

/**
 * Key links in the key-links table:
 * - `pk=link#<id>, sk=link`: the link itself. It carries NO `expiresAt` attribute on purpose: the table's
 *   TTL would otherwise delete (crypto-shred) every link at the end of its rotation period. The end of the
 *   period is kept as `expiresAtMs`.
 * - `pk=current#<scope>#<keyHash>, sk=current`: which link new events of a value use; replaced only
 *   once expired (conditional put), so concurrent writers agree on one link. TTL `expiresAt` (epoch s).
 * - `pk=subject#<accountId>#<dataSubjectHash>, sk=link#<id>`: data-subject index for shredding.
 */
export class DynamoKeyLinkStore implements KeyLinkStore {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(deps: { dynamo: DynamoDBDocumentClient; tableName: string }) {
    this.dynamo = deps.dynamo;
    this.tableName = deps.tableName;
  }

  async findCurrent(scope: string, keyHash: string, nowMs: number): Promise<KeyLinkRecord | undefined> {
    const pointer = await this.readPointer(scope, keyHash);
    if (!pointer || pointer.expiresAtMs <= nowMs) return undefined;
    const link = await this.getById(pointer.keyLinkId);
    return link && link.expiresAt > nowMs ? link : undefined;
  }

  async createIfAbsent(candidate: KeyLinkRecord, nowMs: number): Promise<KeyLinkRecord> {
    // The link (and its index entry) first, so a pointer never names a link that does not exist yet.
    await this.dynamo.send(new PutCommand({ TableName: this.tableName, Item: linkItem(candidate) }));
    if (candidate.dataSubjectHash !== undefined) await this.putSubjectIndex(candidate);

    let staleLinkId: string | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.putPointer(candidate, nowMs, staleLinkId);
        return candidate;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      const pointer = await this.readPointer(candidate.scope, candidate.keyHash);
      if (!pointer) {
        staleLinkId = undefined; // deleted meanwhile: try again
        continue;
      }
      const winner = await this.getById(pointer.keyLinkId);
      if (winner) {
        await this.removeLink(candidate);
        return winner;
      }
      // A live pointer to a link that no longer exists (shredded mid-way): replace exactly that pointer.
      staleLinkId = pointer.keyLinkId;
    }
    await this.removeLink(candidate);
    throw new Error('could not install a key link: the current pointer kept changing');
  }

  async getById(keyLinkId: string): Promise<KeyLinkRecord | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `link#${keyLinkId}`, sk: 'link' },
        ConsistentRead: true,
      }),
    );
    return Item ? recordOf(Item) : undefined;
  }

  async deleteById(keyLinkId: string): Promise<boolean> {
    const link = await this.getById(keyLinkId);
    if (!link) return false;
    try {
      await this.dynamo.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: pointerKey(link.scope, link.keyHash),
          ConditionExpression: 'keyLinkId = :id',
          ExpressionAttributeValues: { ':id': keyLinkId },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error; // the pointer names another link
    }
    await this.removeLink(link);
    return true;
  }

  /** Ids of every key link created for a data subject in an account. */
  async listByDataSubject(accountId: string, dataSubjectHash: string): Promise<string[]> {
    const ids: string[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.dynamo.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': subjectPk(accountId, dataSubjectHash), ':prefix': 'link#' },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) ids.push(String(item.sk).slice('link#'.length));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return ids;
  }

  /** Crypto-shreds every key link of a data subject; returns the ids actually deleted. */
  async deleteByDataSubject(accountId: string, dataSubjectHash: string): Promise<string[]> {
    const deleted: string[] = [];
    for (const keyLinkId of await this.listByDataSubject(accountId, dataSubjectHash)) {
      if (await this.deleteById(keyLinkId)) deleted.push(keyLinkId);
      else await this.deleteSubjectIndex(accountId, dataSubjectHash, keyLinkId); // dangling index entry
    }
    return deleted;
  }

  private async readPointer(
    scope: string,
    keyHash: string,
  ): Promise<{ keyLinkId: string; expiresAtMs: number } | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: pointerKey(scope, keyHash), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return { keyLinkId: String(Item.keyLinkId), expiresAtMs: Number(Item.expiresAtMs) };
  }

  private async putPointer(
    link: KeyLinkRecord,
    nowMs: number,
    staleLinkId: string | undefined,
  ): Promise<void> {
    const item = {
      ...pointerKey(link.scope, link.keyHash),
      keyLinkId: link.keyLinkId,
      expiresAtMs: link.expiresAt,
      expiresAt: Math.ceil(link.expiresAt / 1000),
    };
    await this.dynamo.send(
      new PutCommand(
        staleLinkId === undefined
          ? {
              TableName: this.tableName,
              Item: item,
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs <= :now',
              ExpressionAttributeValues: { ':now': nowMs },
            }
          : {
              TableName: this.tableName,
              Item: item,
              ConditionExpression: 'keyLinkId = :stale',
              ExpressionAttributeValues: { ':stale': staleLinkId },
            },
      ),
    );
  }

  private async putSubjectIndex(link: KeyLinkRecord): Promise<void> {
    await this.dynamo.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: subjectPk(accountOf(link.scope), link.dataSubjectHash as string),
          sk: `link#${link.keyLinkId}`,
          keyLinkId: link.keyLinkId,
          createdAt: link.createdAt,
        },
      }),
    );
  }

  private async deleteSubjectIndex(
    accountId: string,
    dataSubjectHash: string,
    keyLinkId: string,
  ): Promise<void> {
    await this.dynamo.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: subjectPk(accountId, dataSubjectHash), sk: `link#${keyLinkId}` },
      }),
    );
  }

  /** Deletes a link item and its index entry (not the pointer). */
  private async removeLink(link: KeyLinkRecord): Promise<void> {
    await this.dynamo.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: `link#${link.keyLinkId}`, sk: 'link' } }),
    );
    if (link.dataSubjectHash !== undefined) {
      await this.deleteSubjectIndex(accountOf(link.scope), link.dataSubjectHash, link.keyLinkId);
    }
  }
}

function pointerKey(scope: string, keyHash: string): { pk: string; sk: string } {
  return { pk: `current#${scope}#${keyHash}`, sk: 'current' };
}

function subjectPk(accountId: string, dataSubjectHash: string): string {
  return `subject#${accountId}#${dataSubjectHash}`;
}

/** Scopes are `<accountId>/<sourceStreamName>`. */
function accountOf(scope: string): string {
  const slash = scope.indexOf('/');
  return slash < 0 ? scope : scope.slice(0, slash);
}

function linkItem(link: KeyLinkRecord): Record<string, unknown> {
  const item: Record<string, unknown> = {
    pk: `link#${link.keyLinkId}`,
    sk: 'link',
    keyLinkId: link.keyLinkId,
    scope: link.scope,
    keyHash: link.keyHash,
    kekId: link.kekId,
    wrappedKey: link.wrappedKey,
    keyId: link.keyId,
    createdAt: link.createdAt,
    expiresAtMs: link.expiresAt,
  };
  if (link.dataSubjectHash !== undefined) item.dataSubjectHash = link.dataSubjectHash;
  return item;
}

function recordOf(item: Record<string, unknown>): KeyLinkRecord {
  const record: KeyLinkRecord = {
    keyLinkId: String(item.keyLinkId),
    scope: String(item.scope),
    keyHash: String(item.keyHash),
    keyId: Number(item.keyId),
    wrappedKey: new Uint8Array(item.wrappedKey as Uint8Array),
    kekId: String(item.kekId),
    createdAt: Number(item.createdAt),
    expiresAt: Number(item.expiresAtMs),
  };
  if (typeof item.dataSubjectHash === 'string') record.dataSubjectHash = item.dataSubjectHash;
  return record;
}
