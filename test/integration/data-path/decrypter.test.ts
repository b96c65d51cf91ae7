import { randomUUID } from 'node:crypto';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AccountContracts } from '../../../lambdas/aws/account-contracts';
import { ContractsRepo } from '../../../lambdas/aws/contracts-repo';
import { KinesisEventPublisher } from '../../../lambdas/aws/event-publisher';
import { DynamoKeyLinkStore } from '../../../lambdas/aws/key-link-store';
import { UsageRepo } from '../../../lambdas/aws/usage-repo';
import { decodeEnvelope, type EventEnvelope } from '../../../lambdas/core/event-envelope';
import { maskValue } from '../../../lambdas/core/masking';
import { usageMinuteOf } from '../../../lambdas/core/usage-minute';
import { createDecrypterHandler } from '../../../lambdas/handlers/decrypter';
import { eventBody, exampleEvent } from '../../support/factories';
import {
  createStreamRecord,
  type DataPathEnv,
  ingestRequest,
  kinesisEvent,
  newDecrypter,
  newIngest,
  newResolver,
  readAllRecords,
  type StoredRecord,
  startDataPathEnv,
  streamToken,
} from './data-path-env';

let env: DataPathEnv;

beforeAll(async () => {
  env = await startDataPathEnv();
});

afterAll(async () => {
  await env.close();
});

const MASK_SEED = 'seed-for-tests';

/** An account with source stream `demo` and the given derived streams; returns a producer token. */
async function accountWithDerivedStreams() {
  const accountId = randomUUID();
  const { stream, clientId } = await createStreamRecord(env, accountId, { name: 'demo' });
  await createStreamRecord(env, accountId, {
    name: 'demo-1',
    linkedStream: 'demo',
    consentLevels: [1],
    consentLevelType: 'CUMULATIVE',
  });
  await createStreamRecord(env, accountId, {
    name: 'demo-1-3',
    linkedStream: 'demo',
    consentLevels: [1, 3],
    consentLevelType: 'GRANULAR',
  });
  await createStreamRecord(env, accountId, {
    name: 'demo-3-masked',
    linkedStream: 'demo',
    consentLevels: [3],
    consentLevelType: 'CUMULATIVE',
    maskedFields: {
      seed: MASK_SEED,
      fieldPatterns: { 'streammachine/example/1.3.0': ['notSensitiveValue'] },
    },
  });
  return { accountId, token: await streamToken(env, stream, clientId) };
}

async function ingestAll(token: string, events: Record<string, unknown>[]): Promise<void> {
  const ingest = newIngest(env);
  for (const event of events) {
    const response = await ingest(ingestRequest(eventBody(event), { authorization: `Bearer ${token}` }));
    expect(response.statusCode).toBe(204);
  }
}

/** The envelope of a stored record, or undefined for the deliberately broken one. */
function envelopeOf(record: StoredRecord): EventEnvelope | undefined {
  try {
    return decodeEnvelope(record.data);
  } catch {
    return undefined;
  }
}

function timestampOf(record: StoredRecord): number {
  return Number((envelopeOf(record)?.event.strmMeta as { timestamp?: number } | undefined)?.timestamp);
}

/** Source records of one account, in ingest order. */
async function sourceRecordsOf(accountId: string): Promise<StoredRecord[]> {
  return (await readAllRecords(env, env.sourceStream))
    .filter((record) => envelopeOf(record)?.accountId === accountId)
    .sort((a, b) => timestampOf(a) - timestampOf(b));
}

async function derivedEnvelopesOf(accountId: string): Promise<(EventEnvelope & { partitionKey: string })[]> {
  return (await readAllRecords(env, env.derivedStream))
    .map((record) => ({ ...decodeEnvelope(record.data), partitionKey: record.partitionKey }))
    .filter((envelope) => envelope.accountId === accountId);
}

function byStream(envelopes: EventEnvelope[], stream: string): Record<string, unknown>[] {
  return envelopes.filter((envelope) => envelope.stream === stream).map((envelope) => envelope.event);
}

describe('decrypter: consent end to end through Kinesis', () => {
  let accountId: string;
  let derived: (EventEnvelope & { partitionKey: string })[];
  let response: Awaited<ReturnType<ReturnType<typeof newDecrypter>>>;
  /** The source events, by their strmMeta (which derived events keep unchanged). */
  let sourceByMeta: Map<string, Record<string, unknown>>;

  /** The source event a derived event was made from. */
  const sourceOf = (event: Record<string, unknown>) => sourceByMeta.get(JSON.stringify(event.strmMeta))!;

  /** The PII value as the key link of its event opens it (in a process of its own). */
  async function opened(event: Record<string, unknown>, field: string): Promise<string> {
    const aead = await newResolver(env).byId((event.strmMeta as { keyLink: string }).keyLink);
    return aead!.decryptString(event[field] as string);
  }

  beforeAll(async () => {
    let token: string;
    ({ accountId, token } = await accountWithDerivedStreams());
    await ingestAll(token, [
      exampleEvent({ uniqueIdentifier: 'all', strmMeta: { consentLevels: [0, 1, 2, 3] } }),
      exampleEvent({ uniqueIdentifier: 'one', strmMeta: { consentLevels: [1] } }),
      exampleEvent({ uniqueIdentifier: 'three', strmMeta: { consentLevels: [3] } }),
      exampleEvent({ uniqueIdentifier: 'none', strmMeta: { consentLevels: [] } }),
    ]);
    const source = await sourceRecordsOf(accountId);
    sourceByMeta = new Map(
      source.map((record) => {
        const { event } = decodeEnvelope(record.data);
        return [JSON.stringify(event.strmMeta), event];
      }),
    );
    response = await newDecrypter(env)(kinesisEvent(source, env.sourceStream));
    derived = await derivedEnvelopesOf(accountId);
  });

  it('reports no failures', () => {
    expect(response.batchItemFailures).toEqual([]);
  });

  it('CUMULATIVE includes events whose highest level reaches the stream level', () => {
    const ids = byStream(derived, 'demo-1').map((event) => event.uniqueIdentifier);
    expect(ids.sort()).toEqual(['all', 'one', 'three']);
  });

  it('CUMULATIVE decrypts exactly the PII fields at or below the stream level', async () => {
    for (const event of byStream(derived, 'demo-1')) {
      // Levels 2 and 3 stay exactly the source's ciphertext, which the event's key link opens.
      expect(event.consistentValue).toBe(sourceOf(event).consistentValue);
      expect(event.someSensitiveValue).toBe(sourceOf(event).someSensitiveValue);
      expect(await opened(event, 'consistentValue')).toBe('session-7');
      expect(await opened(event, 'someSensitiveValue')).toBe('sensitive-3');
      expect(event.notSensitiveValue).toBe('not-sensitive-99');
    }
  });

  it('GRANULAR includes only events that consent to every stream level and decrypts exactly those levels', async () => {
    const events = byStream(derived, 'demo-1-3');
    expect(events.map((event) => event.uniqueIdentifier)).toEqual(['all']);
    expect(events[0]).toMatchObject({
      someSensitiveValue: 'sensitive-3',
      notSensitiveValue: 'not-sensitive-99',
    });
    // Level 2 is not among the stream's levels: it stays exactly the source's ciphertext.
    expect(events[0]!.consistentValue).toBe(sourceOf(events[0]!).consistentValue);
    expect(await opened(events[0]!, 'consistentValue')).toBe('session-7');
  });

  it('masks the configured fields after decryption', () => {
    const events = byStream(derived, 'demo-3-masked');
    expect(events.map((event) => event.uniqueIdentifier).sort()).toEqual(['all', 'three']);
    for (const event of events) {
      expect(event).toMatchObject({ consistentValue: 'session-7', someSensitiveValue: 'sensitive-3' });
      expect(event.notSensitiveValue).toBe(maskValue('not-sensitive-99', MASK_SEED));
    }
  });

  it('keeps strmMeta and uses the key link as the partition key', () => {
    for (const envelope of derived) {
      const meta = envelope.event.strmMeta as { keyLink: string; nonce: number };
      expect(envelope.partitionKey).toBe(meta.keyLink);
      expect(Number.isInteger(meta.nonce)).toBe(true);
      expect(envelope.contractRef).toBe('streammachine/example/1.3.0');
    }
  });

  it('counts every processed source event in the usage table', async () => {
    const source = await sourceRecordsOf(accountId);
    const perMinute = new Map<string, number>();
    for (const record of source) {
      const minute = usageMinuteOf(Math.round(record.arrivalSeconds * 1000));
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
    for (const [minute, count] of perMinute) {
      const { Item } = await env.dynamo.send(
        new GetCommand({ TableName: env.tables.usage, Key: { pk: `usage#${accountId}#demo`, sk: minute } }),
      );
      expect(Item?.count).toBe(count);
      // Kept 400 days, then removed by the table's TTL.
      expect(Item?.expiresAt).toBe(Date.parse(minute) / 1000 + 400 * 24 * 60 * 60);
    }
  });
});

describe('decrypter: failures and shredding', () => {
  it('reports the first record that cannot be processed and skips the records after it', async () => {
    const { accountId, token } = await accountWithDerivedStreams();
    await ingestAll(token, [exampleEvent({ uniqueIdentifier: 'before' })]);
    const [before] = await sourceRecordsOf(accountId);
    const garbage = await env.kinesis.send(
      new PutRecordCommand({
        StreamName: env.sourceStream,
        PartitionKey: 'garbage',
        Data: Buffer.from('not an envelope'),
      }),
    );
    await ingestAll(token, [exampleEvent({ uniqueIdentifier: 'after' })]);
    const after = (await sourceRecordsOf(accountId)).find(
      (r) => r.sequenceNumber !== before!.sequenceNumber,
    )!;
    const poison: StoredRecord = {
      ...before!,
      sequenceNumber: garbage.SequenceNumber!,
      data: Buffer.from('not an envelope'),
    };

    const response = await newDecrypter(env)(kinesisEvent([before!, poison, after], env.sourceStream));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: garbage.SequenceNumber }]);
    const ids = (await derivedEnvelopesOf(accountId)).map((envelope) => envelope.event.uniqueIdentifier);
    expect(new Set(ids)).toEqual(new Set(['before']));
  });

  it('drops the events of a crypto-shredded key link for every derived stream', async () => {
    const { accountId, token } = await accountWithDerivedStreams();
    await ingestAll(token, [
      exampleEvent({ consistentValue: 'forget-me' }),
      exampleEvent({ consistentValue: 'keep-me' }),
    ]);
    const source = await sourceRecordsOf(accountId);
    const links = source.map(
      (record) => (decodeEnvelope(record.data).event.strmMeta as { keyLink: string }).keyLink,
    );
    const store = new DynamoKeyLinkStore({ doc: env.dynamo, table: env.tables.keyLinks });
    expect(await store.deleteById(links[0]!)).toBe(true);

    const response = await newDecrypter(env)(kinesisEvent(source, env.sourceStream));

    expect(response.batchItemFailures).toEqual([]);
    const derived = await derivedEnvelopesOf(accountId);
    expect(derived.length).toBeGreaterThan(0);
    expect(
      derived.every((envelope) => (envelope.event.strmMeta as { keyLink: string }).keyLink === links[1]),
    ).toBe(true);
  });

  it('reports the first record whose derived events cannot be written', async () => {
    const { accountId, token } = await accountWithDerivedStreams();
    await ingestAll(token, [
      exampleEvent({ uniqueIdentifier: 'x' }),
      exampleEvent({ uniqueIdentifier: 'y' }),
    ]);
    const source = await sourceRecordsOf(accountId);
    const decrypter = createDecrypterHandler({
      streams: env.streamsRepo,
      contracts: new AccountContracts({
        source: new ContractsRepo({ doc: env.dynamo, table: env.tables.contracts }),
      }),
      keyLinks: newResolver(env),
      publisher: new KinesisEventPublisher({
        kinesis: env.kinesis,
        streamName: 'no-such-stream',
        maxAttempts: 2,
        baseDelayMs: 1,
      }),
      usage: new UsageRepo({ doc: env.dynamo, table: env.tables.usage }),
    });

    const response = await decrypter(kinesisEvent(source, env.sourceStream));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: source[0]!.sequenceNumber }]);
    const { Items } = await env.dynamo.send(
      new QueryCommand({
        TableName: env.tables.usage,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `usage#${accountId}#demo` },
      }),
    );
    expect(Items).toEqual([]); // nothing was processed, so nothing is counted
  });

  it("decrypts an event of a contract created after this warm process cached the account's contracts", async () => {
    const { accountId, token } = await accountWithDerivedStreams();
    const decrypter = newDecrypter(env);
    await ingestAll(token, [exampleEvent()]);
    expect(
      (await decrypter(kinesisEvent(await sourceRecordsOf(accountId), env.sourceStream))).batchItemFailures,
    ).toEqual([]);
    await new ContractsRepo({ doc: env.dynamo, table: env.tables.contracts }).put(accountId, {
      ref: 'acme/order/1.0.0',
      keyField: 'orderId',
      piiFields: { email: 1 },
      validations: [],
    });
    await ingestAll(token, [
      {
        strmMeta: { eventContractRef: 'acme/order/1.0.0', consentLevels: [1] },
        orderId: 'o-1',
        email: 'a@example.com',
      },
    ]);
    const records = (await sourceRecordsOf(accountId)).filter(
      (r) => decodeEnvelope(r.data).contractRef === 'acme/order/1.0.0',
    );
    expect(records).toHaveLength(1);
    const response = await decrypter(kinesisEvent(records, env.sourceStream));
    expect(response.batchItemFailures).toEqual([]);
    const derived = (await derivedEnvelopesOf(accountId)).filter((e) => e.contractRef === 'acme/order/1.0.0');
    expect(derived.find((e) => e.stream === 'demo-1')?.event.email).toBe('a@example.com');
  });

  it('writes nothing for a source stream without derived streams', async () => {
    const accountId = randomUUID();
    const { stream, clientId } = await createStreamRecord(env, accountId, { name: 'lonely' });
    await ingestAll(await streamToken(env, stream, clientId), [exampleEvent()]);
    const response = await newDecrypter(env)(
      kinesisEvent(await sourceRecordsOf(accountId), env.sourceStream),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(await derivedEnvelopesOf(accountId)).toEqual([]);
  });
});
