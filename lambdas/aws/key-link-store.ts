import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { accountOfScope, type KeyLinkScope, parseKeyLinkScope } from '../core/key-link-scope';
import type { KeyLinkDeletion, KeyLinkDeletionLog, KeyLinkRecord, KeyLinkStore } from '../core/key-links';
import { wonConditionalWrite } from './conditional-write';
import { queryAll } from './query-all';

/**
 * Key links in the key-links table:
 * - `pk=link#<id>, sk=link`: the link itself. It carries NO `expiresAt` attribute on purpose: the table's
 *   TTL would otherwise delete (crypto-shred) every link at the end of its rotation period. The end of the
 *   period is kept as `expiresAtMs`.
 * - `pk=current#<scope>#<keyHash>, sk=current`: which link new events of a value use; replaced only
 *   once expired (conditional put), so concurrent writers agree on one link. TTL `expiresAt` (epoch s).
 * - `pk=subject#<accountId>#<dataSubjectHash>, sk=link#<id>`: data-subject index for shredding.
 * - `pk=deleted-links, sk=<deletedAt ms, 15 digits>#<id>`: the deletion log every process polls (at most
 *   once a second) to drop a shredded link from its caches; TTL `expiresAt` one day after the deletion.
 */
export class DynamoKeyLinkStore implements KeyLinkStore, KeyLinkDeletionLog {
  private readonly now: () => number;

  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  async findCurrent(scope: KeyLinkScope, keyHash: string, nowMs: number): Promise<KeyLinkRecord | undefined> {
    const pointer = await this.readPointer(scope, keyHash);
    if (!pointer || pointer.expiresAtMs <= nowMs) return undefined;
    const link = await this.getById(pointer.keyLinkId);
    return link && link.expiresAt > nowMs ? link : undefined;
  }

  async createIfAbsent(candidate: KeyLinkRecord, nowMs: number): Promise<KeyLinkRecord> {
    // The link (and its index entry) first, so a pointer never names a link that does not exist yet.
    await this.opts.doc.send(new PutCommand({ TableName: this.opts.table, Item: linkItem(candidate) }));
    if (candidate.dataSubjectHash !== undefined) await this.putSubjectIndex(candidate);

    let staleLinkId: string | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await wonConditionalWrite(() => this.putPointer(candidate, nowMs, staleLinkId))) return candidate;
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
    const { Item } = await this.opts.doc.send(
      new GetCommand({
        TableName: this.opts.table,
        Key: { pk: `link#${keyLinkId}`, sk: 'link' },
        ConsistentRead: true,
      }),
    );
    return Item ? recordOf(Item) : undefined;
  }

  /**
   * Links by id with BatchGetItem (strongly consistent, like getById), at most 100 ids per call; keys
   * DynamoDB leaves unprocessed (throttling) are asked again with backoff, and an error when they stay so.
   */
  async getManyById(keyLinkIds: readonly string[]): Promise<ReadonlyMap<string, KeyLinkRecord>> {
    const found = new Map<string, KeyLinkRecord>();
    let keys: Record<string, unknown>[] = [...new Set(keyLinkIds)].map((id) => ({
      pk: `link#${id}`,
      sk: 'link',
    }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt >= BATCH_GET_ATTEMPTS) throw new Error('key links stayed unprocessed after retries');
      if (attempt > 0) await sleep(Math.random() * BATCH_GET_BACKOFF_MS * 2 ** (attempt - 1));
      const { Responses, UnprocessedKeys } = await this.opts.doc.send(
        new BatchGetCommand({
          RequestItems: { [this.opts.table]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      for (const item of Responses?.[this.opts.table] ?? []) {
        const record = recordOf(item);
        found.set(record.keyLinkId, record);
      }
      keys = (UnprocessedKeys?.[this.opts.table]?.Keys ?? []) as Record<string, unknown>[];
    }
    return found;
  }

  /**
   * Deletes a link: first its current pointer (no new event finds it), then the deletion-log entry (every
   * process drops it from its caches within a poll), then the link itself (it can no longer be opened).
   */
  async deleteById(keyLinkId: string): Promise<boolean> {
    const link = await this.getById(keyLinkId);
    if (!link) return false;
    // A lost condition means the pointer names another link: leave it.
    await wonConditionalWrite(() =>
      this.opts.doc.send(
        new DeleteCommand({
          TableName: this.opts.table,
          Key: pointerKey(link.scope, link.keyHash),
          ConditionExpression: 'keyLinkId = :id',
          ExpressionAttributeValues: { ':id': keyLinkId },
        }),
      ),
    );
    await this.logDeletion(keyLinkId, this.now());
    await this.removeLink(link);
    return true;
  }

  async deletedSince(fromMs: number): Promise<KeyLinkDeletion[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND sk >= :from',
      ExpressionAttributeValues: {
        ':pk': DELETION_LOG_PK,
        ':from': deletionSortKey(Math.max(0, fromMs), ''),
      },
      ConsistentRead: true,
    });
    return items.map((item) => ({ keyLinkId: String(item.keyLinkId), deletedAt: Number(item.deletedAt) }));
  }

  private async logDeletion(keyLinkId: string, deletedAt: number): Promise<void> {
    await this.opts.doc.send(
      new PutCommand({
        TableName: this.opts.table,
        Item: {
          pk: DELETION_LOG_PK,
          sk: deletionSortKey(deletedAt, keyLinkId),
          keyLinkId,
          deletedAt,
          expiresAt: Math.ceil(deletedAt / 1000) + DELETION_LOG_TTL_SECONDS,
        },
      }),
    );
  }

  /** Ids of every key link created for a data subject in an account. */
  async listByDataSubject(accountId: string, dataSubjectHash: string): Promise<string[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': subjectPk(accountId, dataSubjectHash), ':prefix': 'link#' },
      ConsistentRead: true,
    });
    return items.map((item) => String(item.sk).slice('link#'.length));
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
    scope: KeyLinkScope,
    keyHash: string,
  ): Promise<{ keyLinkId: string; expiresAtMs: number } | undefined> {
    const { Item } = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: pointerKey(scope, keyHash), ConsistentRead: true }),
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
    await this.opts.doc.send(
      new PutCommand(
        staleLinkId === undefined
          ? {
              TableName: this.opts.table,
              Item: item,
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs <= :now',
              ExpressionAttributeValues: { ':now': nowMs },
            }
          : {
              TableName: this.opts.table,
              Item: item,
              ConditionExpression: 'keyLinkId = :stale',
              ExpressionAttributeValues: { ':stale': staleLinkId },
            },
      ),
    );
  }

  private async putSubjectIndex(link: KeyLinkRecord): Promise<void> {
    await this.opts.doc.send(
      new PutCommand({
        TableName: this.opts.table,
        Item: {
          pk: subjectPk(accountOfScope(link.scope), link.dataSubjectHash as string),
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
    await this.opts.doc.send(
      new DeleteCommand({
        TableName: this.opts.table,
        Key: { pk: subjectPk(accountId, dataSubjectHash), sk: `link#${keyLinkId}` },
      }),
    );
  }

  /** Deletes a link item and its index entry (not the pointer). */
  private async removeLink(link: KeyLinkRecord): Promise<void> {
    await this.opts.doc.send(
      new DeleteCommand({ TableName: this.opts.table, Key: { pk: `link#${link.keyLinkId}`, sk: 'link' } }),
    );
    if (link.dataSubjectHash !== undefined) {
      await this.deleteSubjectIndex(accountOfScope(link.scope), link.dataSubjectHash, link.keyLinkId);
    }
  }
}

const DELETION_LOG_PK = 'deleted-links';
/** BatchGetItem calls for one set of keys, the first included, before unprocessed keys are an error. */
const BATCH_GET_ATTEMPTS = 5;
const BATCH_GET_BACKOFF_MS = 20;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
/** Entries outlive every cache TTL and poll window many times over. */
const DELETION_LOG_TTL_SECONDS = 24 * 60 * 60;

/** Sorts by time: 15 digits of milliseconds, then the id. */
function deletionSortKey(deletedAt: number, keyLinkId: string): string {
  return `${String(Math.floor(deletedAt)).padStart(15, '0')}#${keyLinkId}`;
}

function pointerKey(scope: KeyLinkScope, keyHash: string): { pk: string; sk: string } {
  return { pk: `current#${scope}#${keyHash}`, sk: 'current' };
}

function subjectPk(accountId: string, dataSubjectHash: string): string {
  return `subject#${accountId}#${dataSubjectHash}`;
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
    scope: parseKeyLinkScope(String(item.scope)),
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
