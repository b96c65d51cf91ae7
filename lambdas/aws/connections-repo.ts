import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
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
}

/** The GSI key of a stream's subscribers. */
export function streamKeyOf(accountId: string, streamName: string): string {
  return `${accountId}#${streamName}`;
}

/** WebSocket subscribers: `pk=conn#<connectionId>, sk=conn`, GSI `byStream` on `streamKey`. */
export class ConnectionsRepo {
  private readonly now: () => number;

  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  /** Stores a new subscriber of a stream, expiring 2 h from now. */
  async put(connection: {
    connectionId: string;
    accountId: string;
    streamName: string;
    clientId: string;
  }): Promise<ConnectionRecord> {
    const nowMs = this.now();
    const record: ConnectionRecord = {
      ...connection,
      connectedAt: nowMs,
      expiresAt: Math.floor(nowMs / 1000) + CONNECTION_LIFETIME_SECONDS,
    };
    await this.opts.doc.send(
      new PutCommand({
        TableName: this.opts.table,
        Item: {
          pk: `conn#${record.connectionId}`,
          sk: 'conn',
          streamKey: streamKeyOf(record.accountId, record.streamName),
          ...record,
        },
      }),
    );
    return record;
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
    }));
  }
}
