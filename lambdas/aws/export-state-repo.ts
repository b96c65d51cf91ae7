import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { dueAtOf, type ShardExportState } from '../core/export-state';
import type { DueItem, ExportStateStore, KeyMarker } from '../use-cases/export/ports';
import { wonConditionalWrite } from './conditional-write';
import { queryAll } from './query-all';
import { DUE_EXPORTS_INDEX } from './tables';

/**
 * The export-state table: `pk=state#<exporterId>, sk=shard#<shardId>` → one shard's export state
 * (core/export-state.ts) with its `version`, and `dueKey = due`, `dueAt` (ms) while the tick must look at
 * it (sparse index due); `pk=keys#<exporterId>, sk=link#<keyLinkId>` → a key stream's marker of an
 * exported key link, `{shardId, sequenceNumber, expiresAt}` (TTL).
 */

const DUE = 'due';
const BATCH_GET_LIMIT = 100;
const BATCH_WRITE_LIMIT = 25;
const UNPROCESSED_RETRIES = 8;

const STATE_FIELDS = [
  'exporterId',
  'accountId',
  'exporterName',
  'shardId',
  'interval',
  'phase',
  'position',
  'liveSeen',
  'buffer',
  'lastFileAt',
  'version',
] as const;

function stateKey(exporterId: string, shardId: string) {
  return { pk: `state#${exporterId}`, sk: `shard#${shardId}` };
}

function markerKey(exporterId: string, keyLinkId: string) {
  return { pk: `keys#${exporterId}`, sk: `link#${keyLinkId}` };
}

function toState(item: Record<string, unknown>): ShardExportState {
  const state: Record<string, unknown> = {};
  for (const field of STATE_FIELDS) if (item[field] !== undefined) state[field] = item[field];
  return state as unknown as ShardExportState;
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ExportStateRepo implements ExportStateStore {
  constructor(private readonly opts: { doc: DynamoDBDocumentClient; table: string; now?: () => number }) {}

  async get(exporterId: string, shardId: string): Promise<ShardExportState | undefined> {
    const result = await this.opts.doc.send(
      new GetCommand({
        TableName: this.opts.table,
        Key: stateKey(exporterId, shardId),
        ConsistentRead: true,
      }),
    );
    return result.Item ? toState(result.Item) : undefined;
  }

  async put(state: ShardExportState, expectedVersion: number | undefined): Promise<boolean> {
    const dueAt = dueAtOf(state);
    return wonConditionalWrite(() =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.table,
          Item: {
            ...stateKey(state.exporterId, state.shardId),
            ...state,
            ...(dueAt === undefined ? {} : { dueKey: DUE, dueAt }),
          },
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      ),
    );
  }

  async listOfExporter(exporterId: string): Promise<ShardExportState[]> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `state#${exporterId}` },
      ConsistentRead: true,
    });
    return items.map(toState);
  }

  async delete(exporterId: string, shardId: string): Promise<void> {
    await this.opts.doc.send(
      new DeleteCommand({ TableName: this.opts.table, Key: stateKey(exporterId, shardId) }),
    );
  }

  async listDue(nowMs: number, limit: number): Promise<DueItem[]> {
    const result = await this.opts.doc.send(
      new QueryCommand({
        TableName: this.opts.table,
        IndexName: DUE_EXPORTS_INDEX,
        KeyConditionExpression: 'dueKey = :due AND dueAt <= :now',
        ExpressionAttributeValues: { ':due': DUE, ':now': nowMs },
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map((item) => {
      const state = toState(item);
      return {
        exporterId: state.exporterId,
        accountId: state.accountId,
        exporterName: state.exporterName,
        shardId: state.shardId,
      };
    });
  }

  async getKeyMarkers(exporterId: string, keyLinkIds: readonly string[]): Promise<Map<string, KeyMarker>> {
    const markers = new Map<string, KeyMarker>();
    const nowSeconds = Math.floor((this.opts.now ?? Date.now)() / 1000);
    for (const chunk of chunks([...new Set(keyLinkIds)], BATCH_GET_LIMIT)) {
      let keys: Record<string, unknown>[] | undefined = chunk.map((id) => markerKey(exporterId, id));
      for (let attempt = 0; keys && keys.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) throw new Error('key markers could not be read');
        const result: BatchGetCommandOutput = await this.opts.doc.send(
          new BatchGetCommand({ RequestItems: { [this.opts.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of result.Responses?.[this.opts.table] ?? []) {
          if (typeof item.expiresAt === 'number' && item.expiresAt < nowSeconds) continue;
          const keyLinkId = String(item.sk).slice('link#'.length);
          markers.set(keyLinkId, { keyLinkId, shardId: item.shardId, sequenceNumber: item.sequenceNumber });
        }
        keys = result.UnprocessedKeys?.[this.opts.table]?.Keys;
        if (keys && keys.length > 0) await pause(50 * 2 ** attempt);
      }
    }
    return markers;
  }

  async putKeyMarkers(exporterId: string, markers: readonly KeyMarker[], expiresAtMs: number): Promise<void> {
    const expiresAt = Math.ceil(expiresAtMs / 1000);
    await this.batchWrite(
      markers.map((m) => ({
        PutRequest: {
          Item: {
            ...markerKey(exporterId, m.keyLinkId),
            shardId: m.shardId,
            sequenceNumber: m.sequenceNumber,
            expiresAt,
          },
        },
      })),
    );
  }

  async deleteKeyMarkers(exporterId: string): Promise<void> {
    const items = await queryAll(this.opts.doc, {
      TableName: this.opts.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `keys#${exporterId}` },
      ProjectionExpression: 'pk, sk',
    });
    await this.batchWrite(items.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })));
  }

  private async batchWrite(requests: Record<string, unknown>[]): Promise<void> {
    for (const chunk of chunks(requests, BATCH_WRITE_LIMIT)) {
      let pending: Record<string, unknown>[] | undefined = chunk;
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > UNPROCESSED_RETRIES) throw new Error('export state items could not be written');
        const result: BatchWriteCommandOutput = await this.opts.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.opts.table]: pending } }),
        );
        pending = result.UnprocessedItems?.[this.opts.table] as Record<string, unknown>[] | undefined;
        if (pending && pending.length > 0) await pause(50 * 2 ** attempt);
      }
    }
  }
}
