import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../core/errors';
import type { StreamRecord } from '../core/stream-definition';
import type { NewCredential } from '../use-cases/management/ports';
import { wonConditionalWrite } from './conditional-write';
import { queryAll } from './query-all';

/**
 * The streams table: `pk=account#<accountId>, sk=stream#<name>` → stream record; `pk=client#<clientId>,
 * sk=credential` → the stream's client credential (secret hash only).
 */
export interface StreamCredential {
  clientId: string;
  secretHash: string;
  accountId: string;
  streamName: string;
}

const RECORD_FIELDS = [
  'name',
  'accountId',
  'linkedStream',
  'consentLevels',
  'consentLevelType',
  'maskedFields',
  'description',
  'tags',
  'enabled',
  'keyRotationHours',
  'createdAt',
  'credentials',
] as const;

function streamKey(accountId: string, name: string) {
  return { pk: `account#${accountId}`, sk: `stream#${name}` };
}

function credentialKey(clientId: string) {
  return { pk: `client#${clientId}`, sk: 'credential' };
}

/** The stream record of an item, without the table's key attributes. */
function toRecord(item: Record<string, unknown>): StreamRecord {
  const record: Record<string, unknown> = {};
  for (const field of RECORD_FIELDS) if (item[field] !== undefined) record[field] = item[field];
  return record as unknown as StreamRecord;
}

export class StreamsRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  async get(accountId: string, name: string): Promise<StreamRecord | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: streamKey(accountId, name), ConsistentRead: true }),
    );
    return result.Item ? toRecord(result.Item) : undefined;
  }

  /** All streams of an account, by name. */
  async list(accountId: string): Promise<StreamRecord[]> {
    return this.query(accountId);
  }

  /** The derived streams of a source stream. */
  async listDerived(accountId: string, sourceName: string): Promise<StreamRecord[]> {
    return this.query(accountId, sourceName);
  }

  private async query(accountId: string, linkedStream?: string): Promise<StreamRecord[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': `account#${accountId}`,
        ':prefix': 'stream#',
        ...(linkedStream === undefined ? {} : { ':linked': linkedStream }),
      },
      FilterExpression: linkedStream === undefined ? undefined : 'linkedStream = :linked',
      ConsistentRead: true,
    });
    return items.map(toRecord);
  }

  /**
   * Stores a new stream and its credential. The stream put is conditional (ConflictError on a name clash);
   * the credential is written after it, so a credential never exists without its stream.
   */
  async create(record: StreamRecord, credential: { clientId: string; secretHash: string }): Promise<void> {
    const stored = await wonConditionalWrite(() =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: { ...streamKey(record.accountId, record.name), ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!stored) throw new ConflictError(`stream ${record.name} already exists`, 'stream_exists');
    try {
      await this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: {
            ...credentialKey(credential.clientId),
            clientId: credential.clientId,
            secretHash: credential.secretHash,
            accountId: record.accountId,
            streamName: record.name,
            createdAt: record.createdAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      await this.opts.doc.send(
        new DeleteCommand({ TableName: this.opts.table, Key: streamKey(record.accountId, record.name) }),
      );
      throw error;
    }
  }

  /** Deletes the stream's credentials first (no new tokens), then the stream. Missing streams are a no-op. */
  async delete(accountId: string, name: string): Promise<void> {
    const record = await this.get(accountId, name);
    if (!record) return;
    for (const { clientId } of record.credentials ?? []) {
      await this.opts.doc.send(
        new DeleteCommand({ TableName: this.opts.table, Key: credentialKey(clientId) }),
      );
    }
    await this.opts.doc.send(
      new DeleteCommand({ TableName: this.opts.table, Key: streamKey(accountId, name) }),
    );
  }

  /**
   * Gives an existing stream one more client credential: the credential item first (it alone issues no
   * token: the token endpoint also needs the stream to list it), then the stream's list, conditional on the
   * stream still existing and listing fewer than `maxCredentials`. The updated record; undefined when the
   * stream does not exist or is full.
   */
  async addCredential(
    accountId: string,
    name: string,
    credential: NewCredential,
    opts: { maxCredentials?: number } = {},
  ): Promise<StreamRecord | undefined> {
    const { doc, table } = this.opts;
    await doc.send(
      new PutCommand({
        TableName: table,
        Item: { ...credentialKey(credential.clientId), ...credential, accountId, streamName: name },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    const listed: StreamRecord['credentials'][number] = { clientId: credential.clientId };
    if (credential.expiresAt !== undefined) listed.expiresAt = credential.expiresAt;
    const max = opts.maxCredentials;
    let updated: Record<string, unknown> | undefined;
    const stored = await wonConditionalWrite(async () => {
      const result = await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: streamKey(accountId, name),
          UpdateExpression: 'SET credentials = list_append(if_not_exists(credentials, :none), :added)',
          ConditionExpression:
            max === undefined
              ? 'attribute_exists(pk)'
              : 'attribute_exists(pk) AND (attribute_not_exists(credentials) OR size(credentials) < :max)',
          ExpressionAttributeValues: {
            ':none': [],
            ':added': [listed],
            ...(max === undefined ? {} : { ':max': max }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      updated = result.Attributes;
    });
    if (!stored || !updated) {
      await doc.send(new DeleteCommand({ TableName: table, Key: credentialKey(credential.clientId) }));
      return undefined;
    }
    return toRecord(updated);
  }

  /**
   * Takes a client credential away from a stream: first out of the stream's list (from then on nothing
   * accepts its tokens), then its item. False when the stream does not list it.
   */
  async removeCredential(accountId: string, name: string, clientId: string): Promise<boolean> {
    const { doc, table } = this.opts;
    for (let attempt = 0; attempt < 5; attempt++) {
      const record = await this.get(accountId, name);
      const index = (record?.credentials ?? []).findIndex((c) => c.clientId === clientId);
      if (!record || index === -1) return false;
      // The condition pins the index: a concurrent change of the list makes this attempt start over.
      const removed = await wonConditionalWrite(() =>
        doc.send(
          new UpdateCommand({
            TableName: table,
            Key: streamKey(accountId, name),
            UpdateExpression: `REMOVE credentials[${index}]`,
            ConditionExpression: `credentials[${index}].clientId = :clientId`,
            ExpressionAttributeValues: { ':clientId': clientId },
          }),
        ),
      );
      if (removed) {
        await doc.send(new DeleteCommand({ TableName: table, Key: credentialKey(clientId) }));
        return true;
      }
    }
    throw new ConflictError(
      `stream ${name} kept changing while its credential was removed; try again`,
      'concurrent_change',
    );
  }

  async getCredential(clientId: string): Promise<StreamCredential | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: credentialKey(clientId), ConsistentRead: true }),
    );
    const item = result.Item;
    if (!item) return undefined;
    return {
      clientId: item.clientId,
      secretHash: item.secretHash,
      accountId: item.accountId,
      streamName: item.streamName,
    };
  }
}
