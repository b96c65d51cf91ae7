import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { BatchExporterRecord } from '../core/batch-exporter';
import { ConflictError } from '../core/errors';
import { wonConditionalWrite } from './conditional-write';
import { queryAll } from './query-all';
import { EXPORTERS_BY_STREAM_INDEX, NEW_EXPORTERS_INDEX } from './tables';

/**
 * The exporters table: `pk=account#<accountId>, sk=exporter#<name>` → batch exporter record, with
 * `streamKey = <accountId>#<stream>` (index byStream) and, until its shard states exist, `newKey = new`
 * (sparse index newExporters, read by the scheduled export tick).
 */

const RECORD_FIELDS = [
  'exporterId',
  'name',
  'accountId',
  'stream',
  'source',
  'kind',
  'interval',
  'pathPrefix',
  'includeExistingEvents',
  'bucket',
  'streamCreatedAt',
  'createdAt',
] as const;

const NEW = 'new';

function exporterKey(accountId: string, name: string) {
  return { pk: `account#${accountId}`, sk: `exporter#${name}` };
}

function toRecord(item: Record<string, unknown>): BatchExporterRecord {
  const record: Record<string, unknown> = {};
  for (const field of RECORD_FIELDS) if (item[field] !== undefined) record[field] = item[field];
  return record as unknown as BatchExporterRecord;
}

export class ExportersRepo {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string }) {}

  /** ConflictError when the account has an exporter of that name. */
  async create(record: BatchExporterRecord): Promise<void> {
    const won = await wonConditionalWrite(() =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: {
            ...exporterKey(record.accountId, record.name),
            ...record,
            streamKey: `${record.accountId}#${record.stream}`,
            newKey: NEW,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (!won)
      throw new ConflictError(`batch exporter ${record.name} already exists`, 'batch_exporter_exists');
  }

  async get(accountId: string, name: string): Promise<BatchExporterRecord | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({ TableName: this.opts.table, Key: exporterKey(accountId, name), ConsistentRead: true }),
    );
    return result.Item ? toRecord(result.Item) : undefined;
  }

  /** The account's exporters, by name. */
  async listByAccount(accountId: string): Promise<BatchExporterRecord[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `account#${accountId}`, ':prefix': 'exporter#' },
      ConsistentRead: true,
    });
    return items.map(toRecord);
  }

  /** The exporters of one stream, by name. */
  async listByStream(accountId: string, stream: string): Promise<BatchExporterRecord[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      IndexName: EXPORTERS_BY_STREAM_INDEX,
      KeyConditionExpression: 'streamKey = :key',
      ExpressionAttributeValues: { ':key': `${accountId}#${stream}` },
    });
    return items.map(toRecord).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Every stream that has an exporter: a scan of the table (exporter items only, two attributes each).
   * The table holds a few items per exporting stream, and the stream consumer reads this once per
   * EXPORTER_CACHE_TTL_MS, instead of one index query per stream it sees.
   */
  async listExportedStreams(): Promise<{ accountId: string; stream: string }[]> {
    const streams: { accountId: string; stream: string }[] = [];
    const pages = paginateScan(
      { client: this.opts.doc },
      {
        TableName: this.opts.table,
        FilterExpression: 'begins_with(sk, :prefix)',
        ProjectionExpression: 'accountId, #stream',
        ExpressionAttributeNames: { '#stream': 'stream' },
        ExpressionAttributeValues: { ':prefix': 'exporter#' },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        streams.push({ accountId: String(item.accountId), stream: String(item.stream) });
      }
    }
    return streams;
  }

  async delete(accountId: string, name: string): Promise<void> {
    await this.opts.doc.send(
      new DeleteCommand({ TableName: this.opts.table, Key: exporterKey(accountId, name) }),
    );
  }

  /** Exporters without shard states yet, at most `limit`. */
  async listNew(limit: number): Promise<BatchExporterRecord[]> {
    const result = await this.opts.doc.send(
      new QueryCommand({
        TableName: this.opts.table,
        IndexName: NEW_EXPORTERS_INDEX,
        KeyConditionExpression: 'newKey = :new',
        ExpressionAttributeValues: { ':new': NEW },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(toRecord);
  }

  /** Clears the "new" mark, only on this very exporter (not on one deleted, nor on a successor of its name). */
  async markInitialized(exporter: BatchExporterRecord): Promise<void> {
    await wonConditionalWrite(() =>
      this.opts.doc.send(
        new UpdateCommand({
          TableName: this.opts.table,
          Key: exporterKey(exporter.accountId, exporter.name),
          UpdateExpression: 'REMOVE newKey',
          ConditionExpression: 'exporterId = :id',
          ExpressionAttributeValues: { ':id': exporter.exporterId },
        }),
      ),
    );
  }
}
