import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ExportStateRepo } from '../../../lambdas/aws/export-state-repo';
import type { BatchExporterRecord } from '../../../lambdas/core/batch-exporter';
import { compareSequenceNumbers, type ShardExportState } from '../../../lambdas/core/export-state';
import { localDynamoClient, localEndpointOfEnv, localKinesisClient } from '../../../local/local-clients';
import { LOCAL_STREAMS } from '../../../local/resources';
import type { LocalStack } from '../../../local/stack';
import { request } from '../../support/stack-api';

/**
 * What an end-to-end test reads of a running local stack's batch exports without spawning the CLI: the
 * files through the management API (as `strm get batch-export-files --fetch` gets them), and the export
 * states and shard ends from the stack's own table and streams, to know when nothing is left to export.
 */
export class ExportProbe {
  private readonly dynamo;
  private readonly kinesis: KinesisClient;
  private readonly states: ExportStateRepo;

  constructor(
    private readonly stack: LocalStack,
    private readonly userToken: string,
  ) {
    const env = stack.environmentOf('exporter');
    this.dynamo = localDynamoClient(localEndpointOfEnv(env, 'DYNAMODB'));
    this.kinesis = localKinesisClient(localEndpointOfEnv(env, 'KINESIS'));
    this.states = new ExportStateRepo({
      doc: DynamoDBDocumentClient.from(this.dynamo),
      table: env.EXPORT_STATE_TABLE!,
    });
  }

  close(): void {
    this.dynamo.destroy();
    this.kinesis.destroy();
  }

  /** The caller's exporters, by name. */
  async exporters(): Promise<Map<string, BatchExporterRecord>> {
    const answer = await this.api('/v1/batch-exporters');
    const list = answer.batchExporters as BatchExporterRecord[];
    return new Map(list.map((e) => [e.name, e]));
  }

  /** Every line of an exporter's files, file by file in name order. */
  async lines(exporter: string): Promise<string[]> {
    const names: string[] = [];
    let after: string | undefined;
    do {
      const query = after === undefined ? '' : `?after=${encodeURIComponent(after)}`;
      const page = await this.api(`/v1/batch-exporters/${exporter}/files${query}`);
      names.push(...(page.files as { name: string }[]).map((f) => f.name));
      after = page.next;
    } while (after !== undefined);
    const lines: string[] = [];
    for (const name of names.sort()) {
      const { url } = await this.api(`/v1/batch-exporters/${exporter}/files/${encodeURIComponent(name)}`);
      const text = await (await fetch(url)).text();
      lines.push(...text.split('\n').filter((line) => line !== ''));
    }
    return lines;
  }

  /** The exporter's state on each shard of its event stream. */
  shardStates(exporter: BatchExporterRecord): Promise<ShardExportState[]> {
    return this.states.listOfExporter(exporter.exporterId);
  }

  /**
   * Whether an exporter has nothing left to do: a state for every shard of its stream, none holding a
   * buffer, each past the shard's last record. Until then a file (or a duplicate) may still appear.
   */
  async settled(exporter: BatchExporterRecord): Promise<boolean> {
    const ends = await this.shardEnds(LOCAL_STREAMS[exporter.source]);
    const states = new Map((await this.shardStates(exporter)).map((s) => [s.shardId, s]));
    return [...ends].every(([shardId, last]) => {
      const state = states.get(shardId);
      if (!state || state.buffer !== undefined) return false;
      return (
        last === undefined ||
        (state.position !== undefined && compareSequenceNumbers(state.position, last) >= 0)
      );
    });
  }

  /** The sequence number of each shard's last record (undefined for an empty shard). */
  private async shardEnds(streamName: string): Promise<Map<string, string | undefined>> {
    const { Shards = [] } = await this.kinesis.send(new ListShardsCommand({ StreamName: streamName }));
    const ends = new Map<string, string | undefined>();
    for (const { ShardId } of Shards) {
      let last: string | undefined;
      let { ShardIterator } = await this.kinesis.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      while (ShardIterator) {
        const page = await this.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
        if (!page.Records?.length) break;
        last = page.Records.at(-1)!.SequenceNumber;
        ShardIterator = page.NextShardIterator;
      }
      ends.set(ShardId!, last);
    }
    return ends;
  }

  // biome-ignore lint/suspicious/noExplicitAny: the management API's answers, read by the caller
  private async api(path: string): Promise<any> {
    const answer = await request(`${this.stack.apiUrl}${path}`, { token: this.userToken });
    if (answer.status !== 200)
      throw new Error(`GET ${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}
