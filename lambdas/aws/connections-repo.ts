import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './query-all';
import { BY_STREAM_INDEX } from './tables';

/** How long a WebSocket connection record lives (API Gateway closes connections after 2 h anyway). */
export const CONNECTION_LIFETIME_SECONDS = 2 * 60 * 60;

export interface ConnectionRecord {
  connectionId: string;
  accountId: string;
  streamName: string;
  clientId: string;
  /** ms since epoch */
  connectedAt: number;
  /** epoch seconds (the table's TTL attribute) */
  expiresAt: number;
  /** The subscriber asked for batched frames (`?batch=true`): a JSON array of events per message. */
  batch?: true;
}

/** A new subscriber as `$connect` stores it. */
export interface NewConnection {
  connectionId: string;
  accountId: string;
  streamName: string;
  clientId: string;
  batch?: boolean;
}

/** The GSI key of a stream's subscribers. */
export function streamKeyOf(accountId: string, streamName: string): string {
  return `${accountId}#${streamName}`;
}

/**
 * WebSocket subscribers: `pk=conn#<connectionId>, sk=conn`, GSI `byStream` on `streamKey`; and per stream
 * `pk=subscribers#<streamKey>, sk=changed` → `{changedAt}`, rewritten after every new subscriber, so that a
 * reader can keep a stream's subscriber list until the stream gains one (egress caches its listings).
 */
export class ConnectionsRepo {
  private readonly now: () => number;

  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  /** Stores a new subscriber of a stream, expiring 2 h from now, then marks the stream's subscribers changed. */
  async put(connection: NewConnection): Promise<ConnectionRecord> {
    const nowMs = this.now();
    const { batch, ...fields } = connection;
    const record: ConnectionRecord = {
      ...fields,
      connectedAt: nowMs,
      expiresAt: Math.floor(nowMs / 1000) + CONNECTION_LIFETIME_SECONDS,
      ...(batch ? { batch: true } : {}),
    };
    const streamKey = streamKeyOf(record.accountId, record.streamName);
    await this.opts.doc.send(
      new PutCommand({
        TableName: this.opts.table,
        Item: { pk: `conn#${record.connectionId}`, sk: 'conn', streamKey, ...record },
      }),
    );
    // After the connection: a reader that sees the mark lists again and finds it.
    await this.opts.doc.send(
      new PutCommand({
        TableName: this.opts.table,
        Item: { ...changeMarkKey(streamKey), changedAt: nowMs, expiresAt: record.expiresAt },
      }),
    );
    return record;
  }

  /** When the stream last gained a subscriber (ms), if within the last two hours. */
  async subscribersChangedAt(accountId: string, streamName: string): Promise<number | undefined> {
    const { Item } = await this.opts.doc.send(
      new GetCommand({
        TableName: this.opts.table,
        Key: changeMarkKey(streamKeyOf(accountId, streamName)),
        ConsistentRead: true,
      }),
    );
    return typeof Item?.changedAt === 'number' ? Item.changedAt : undefined;
  }

  async delete(connectionId: string): Promise<void> {
    await this.opts.doc.send(
      new DeleteCommand({ TableName: this.opts.table, Key: { pk: `conn#${connectionId}`, sk: 'conn' } }),
    );
  }

  /** The live (not yet expired) subscribers of a stream. */
  async listByStream(accountId: string, streamName: string): Promise<ConnectionRecord[]> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      IndexName: BY_STREAM_INDEX,
      KeyConditionExpression: 'streamKey = :key',
      FilterExpression: 'expiresAt > :now',
      ExpressionAttributeValues: { ':key': streamKeyOf(accountId, streamName), ':now': nowSeconds },
    });
    return items.map((item) => ({
      connectionId: String(item.connectionId),
      accountId: String(item.accountId),
      streamName: String(item.streamName),
      clientId: String(item.clientId),
      connectedAt: Number(item.connectedAt),
      expiresAt: Number(item.expiresAt),
      ...(item.batch === true ? { batch: true as const } : {}),
    }));
  }
}

function changeMarkKey(streamKey: string): { pk: string; sk: string } {
  return { pk: `subscribers#${streamKey}`, sk: 'changed' };
}
