import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { FunctionName } from '../../../lib/topology';
import { localDynamoClient, localEndpointOfEnv, localKinesisClient } from '../../../local/local-clients';
import type { LocalHandlers } from '../../../local/local-functions';
import { LOCAL_STREAMS, LOCAL_TABLES } from '../../../local/resources';
import { type LocalStack, startLocalStack } from '../../../local/stack';

/**
 * The stack's wiring with stand-in handlers that use only what the stack provides (each function's
 * environment variables and endpoints): ingest → source stream → decrypter → derived stream → egress on
 * both streams.
 */

/** A function's environment, as the stack gives it (read when the handler runs, after the stack started). */
type EnvOf = (name: FunctionName) => Record<string, string>;

const kinesis = (env: Record<string, string>) => localKinesisClient(localEndpointOfEnv(env, 'KINESIS'));
const dataOf = (event: unknown) =>
  (event as KinesisStreamEvent).Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());
const streamOf = (event: unknown) =>
  (event as KinesisStreamEvent).Records[0]!.eventSourceARN.split('/').pop()!;

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Seen {
  decrypted: string[];
  egress: Record<string, string[]>;
}

function standInHandlers(seen: Seen, decrypterWorks: () => boolean, envOf: EnvOf): LocalHandlers {
  const noop = async () => ({ statusCode: 200, body: '{}' });
  return {
    ingest: async (event) => {
      const client = kinesis(envOf('ingest'));
      await client.send(
        new PutRecordCommand({
          StreamName: envOf('ingest').SOURCE_EVENTS_STREAM,
          PartitionKey: 'k',
          Data: Buffer.from((event as { body: string }).body),
        }),
      );
      client.destroy();
      return { statusCode: 204 };
    },
    decrypter: async (event) => {
      const records = (event as KinesisStreamEvent).Records;
      if (!decrypterWorks()) {
        return { batchItemFailures: records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
      }
      const client = kinesis(envOf('decrypter'));
      try {
        await client.send(
          new PutRecordsCommand({
            StreamName: envOf('decrypter').DERIVED_EVENTS_STREAM,
            Records: dataOf(event).map((d) => ({ PartitionKey: 'k', Data: Buffer.from(`derived:${d}`) })),
          }),
        );
      } finally {
        client.destroy();
      }
      // Seen once written: a restarted stack may invoke this before `stack` names it (its first write then
      // goes to the stopped stack's endpoint, fails and is retried), which must not count twice.
      seen.decrypted.push(...dataOf(event));
      return { batchItemFailures: [] };
    },
    egress: async (event) => {
      const stream = streamOf(event);
      seen.egress[stream] = [...(seen.egress[stream] ?? []), ...dataOf(event)];
    },
    token: noop,
    sts: noop,
    management: noop,
    health: async () => ({ status: 'ok' }),
    'ws-authorizer': async () => {
      throw new Error('Unauthorized');
    },
    'ws-connect': noop,
    // Batch exporters are tested in test/integration/local/exporters.test.ts and the e2e test.
    exporter: async () => ({ records: 0, undecodable: 0, exporters: 0 }),
  };
}

describe('local stack', () => {
  // Each test starts its own stack on its own data directory (no test relies on another's).
  let dataDir: string;
  let stack: LocalStack | undefined;
  const fast = { pollIntervalMs: 20, retryDelayMs: 20, maxRetryAttempts: 10_000 };
  const envOf: EnvOf = (name) => stack!.environmentOf(name);

  /** A stack with the stand-in handlers on this test's data directory. */
  const startStandIn = (seen: Seen, decrypterWorks: () => boolean) =>
    startLocalStack({
      port: 0,
      dataDir,
      quiet: true,
      log: () => undefined,
      handlers: standInHandlers(seen, decrypterWorks, envOf),
      eventSourceMapping: fast,
    });

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ps-stack-'));
  });

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs ingest → decrypter → egress with the environment the handlers need', async () => {
    const seen: Seen = { decrypted: [], egress: {} };
    stack = await startStandIn(seen, () => true);
    // Each variable is checked on the function that needs it: functions get only their own.
    expect(stack.environmentOf('management')).toMatchObject({
      ACCOUNTS_TABLE: LOCAL_TABLES.accounts,
      SIGNUP_MODE: 'open',
      AWS_REGION: 'us-east-1',
    });
    // @connections is not on the public port: a loopback port of its own, for signed requests only.
    expect(stack.environmentOf('egress')).toMatchObject({
      CONNECTIONS_TABLE: LOCAL_TABLES.connections,
      WS_CALLBACK_URL: stack.connectionsUrl,
      AWS_REGION: 'us-east-1',
    });
    expect(stack.connectionsUrl).not.toBe(stack.apiUrl);
    expect(stack.environmentOf('ingest')).toMatchObject({ SOURCE_EVENTS_STREAM: LOCAL_STREAMS.sourceEvents });
    expect(stack.environmentOf('decrypter')).toMatchObject({
      DERIVED_EVENTS_STREAM: LOCAL_STREAMS.derivedEvents,
    });
    expect(stack.environmentOf('ingest').KMS_KEY_ID).toMatch(/^arn:aws:kms:us-east-1:\d{12}:key\//);
    expect((await fetch(`${stack.apiUrl}/ready`)).status).toBe(200);

    const response = await fetch(`${stack.apiUrl}/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":1}',
    });
    expect(response.status).toBe(204);
    await eventually(
      () =>
        seen.egress[LOCAL_STREAMS.derivedEvents]?.length === 1 &&
        seen.egress[LOCAL_STREAMS.sourceEvents]?.length === 1,
      'egress on both streams',
    );
    expect(seen.decrypted).toEqual(['{"n":1}']);
    expect(seen.egress[LOCAL_STREAMS.derivedEvents]).toEqual(['derived:{"n":1}']);
    expect(stack.stats().map((s) => `${s.functionName}:${s.streamName}`)).toEqual([
      `decrypter:${LOCAL_STREAMS.sourceEvents}`,
      `egress:${LOCAL_STREAMS.sourceEvents}`,
      `egress:${LOCAL_STREAMS.derivedEvents}`,
      `exporter:${LOCAL_STREAMS.sourceEvents}`,
      `exporter:${LOCAL_STREAMS.derivedEvents}`,
    ]);
  });

  it('refuses a second stack on the same data directory while the first runs', async () => {
    // Prepare
    stack = await startStandIn({ decrypted: [], egress: {} }, () => true);
    // Act, Assess
    await expect(startLocalStack({ port: 0, dataDir, log: () => undefined })).rejects.toThrow(/in use/);
  });

  it('keeps tables, keys and unconsumed events across a restart on the same data directory', async () => {
    const seen: Seen = { decrypted: [], egress: {} };
    let decrypterWorks = false;
    stack = await startStandIn(seen, () => decrypterWorks);
    const keyBefore = stack.environmentOf('ingest').KMS_KEY_ID;
    const dynamo = localDynamoClient(localEndpointOfEnv(stack.environmentOf('management'), 'DYNAMODB'));
    await dynamo.send(
      new PutItemCommand({
        TableName: LOCAL_TABLES.accounts,
        Item: { pk: { S: 'email#x' }, sk: { S: 'account' } },
      }),
    );
    dynamo.destroy();
    await fetch(`${stack.apiUrl}/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n":2}',
    });
    // The decrypter keeps failing this event, so it is never checkpointed before the stop.
    await eventually(() => (stack!.stats()[0]?.failed ?? 0) > 0, 'a failed decrypter batch');
    await stack.stop();

    decrypterWorks = true;
    stack = await startStandIn(seen, () => decrypterWorks);
    await eventually(() => seen.decrypted.length >= 1, 'the unconsumed event');
    expect(seen.decrypted).toEqual(['{"n":2}']);
    expect(stack.environmentOf('ingest').KMS_KEY_ID).toBe(keyBefore);
    const client = localDynamoClient(localEndpointOfEnv(stack.environmentOf('management'), 'DYNAMODB'));
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: LOCAL_TABLES.accounts,
        Key: { pk: { S: 'email#x' }, sk: { S: 'account' } },
      }),
    );
    client.destroy();
    expect(Item).toBeDefined();
    expect(statSync(join(dataDir, 'kms', 'root-key')).mode & 0o777).toBe(0o600);
  });
});
