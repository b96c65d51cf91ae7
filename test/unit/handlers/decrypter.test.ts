import { AccountContracts } from '../../../lambdas/aws/account-contracts';
import { encodeEnvelope, type OutgoingRecord } from '../../../lambdas/core/event-envelope';
import { KeyLinkResolver } from '../../../lambdas/core/key-links';
import { maskValue } from '../../../lambdas/core/masking';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import * as strmMeta from '../../../lambdas/core/strm-meta';
import { usageMinuteOf } from '../../../lambdas/core/usage-minute';
import { createDecrypterHandler } from '../../../lambdas/handlers/decrypter';
import { EventAcceptor } from '../../../lambdas/use-cases/accept-event';
import { kinesisEvent, type StreamRecordData } from '../../support/data-path-events';
import { exampleEvent } from '../../support/factories';
import { InMemoryContractsRepo } from '../../support/fakes/in-memory-contracts-repo';
import {
  InMemoryKeyEncryptionKeys,
  InMemoryKeyLinkStore,
} from '../../support/fakes/in-memory-key-link-store';
import { InMemoryStreamsRepo } from '../../support/fakes/in-memory-streams-repo';
import { InMemoryUsageRepo } from '../../support/fakes/in-memory-usage-repo';
import { RecordingEventPublisher } from '../../support/fakes/recording-event-publisher';
import { recordingLogger } from '../../support/recording-logger';
import { streamRecord } from '../../support/stream-records';

// Pass-through spies on the strmMeta readers, to count how often a record's strmMeta is read.
jest.mock('../../../lambdas/core/strm-meta', () => {
  const actual = jest.requireActual('../../../lambdas/core/strm-meta');
  return {
    ...actual,
    readStrmMeta: jest.fn(actual.readStrmMeta),
    readSealedStrmMeta: jest.fn(actual.readSealedStrmMeta),
  };
});

const ACCOUNT = 'account-1';
const MASK_SEED = 'seed-for-tests';
const ARRIVAL_SECONDS = Date.parse('2025-03-01T12:00:30.000Z') / 1000;

function stream(fields: Partial<StreamRecord> & { name: string }): StreamRecord {
  return streamRecord({ accountId: ACCOUNT, createdAt: '2025-01-01T00:00:00.000Z', ...fields });
}

const SOURCE = stream({ name: 'demo' });
const DEMO_1 = stream({
  name: 'demo-1',
  linkedStream: 'demo',
  consentLevels: [1],
  consentLevelType: 'CUMULATIVE',
});
const DEMO_1_3 = stream({
  name: 'demo-1-3',
  linkedStream: 'demo',
  consentLevels: [1, 3],
  consentLevelType: 'GRANULAR',
});
const DEMO_3_MASKED = stream({
  name: 'demo-3-masked',
  linkedStream: 'demo',
  consentLevels: [3],
  consentLevelType: 'CUMULATIVE',
  maskedFields: { seed: MASK_SEED, fieldPatterns: { 'streammachine/example/1.3.0': ['notSensitiveValue'] } },
});

/** A custom contract of the account, and an event of it. */
const ORDER_CONTRACT = {
  ref: 'acme/order/1.0.0',
  keyField: 'orderId',
  piiFields: { email: 1 },
  validations: [],
};
const INVOICE_CONTRACT = { ref: 'acme/invoice/1.0.0', keyField: 'invoiceId', piiFields: {}, validations: [] };
const INVOICE_EVENT = {
  strmMeta: { eventContractRef: 'acme/invoice/1.0.0', consentLevels: [1] },
  invoiceId: 'i-1',
};
const ORDER_EVENT = {
  strmMeta: { eventContractRef: 'acme/order/1.0.0', consentLevels: [1] },
  orderId: 'o-1',
};

/** The decrypter of one warm process, wired to in-memory fakes, with `demo` and the given derived streams. */
function decrypterWithFakes(derived: StreamRecord[] = [DEMO_1, DEMO_1_3, DEMO_3_MASKED]) {
  const streams = new InMemoryStreamsRepo();
  for (const record of [SOURCE, ...derived]) streams.put(record);
  const contracts = new InMemoryContractsRepo();
  const store = new InMemoryKeyLinkStore();
  const keks = new InMemoryKeyEncryptionKeys();
  const lookupSecret = Buffer.alloc(32, 9);
  const keyLinks = new KeyLinkResolver({ store, keks, lookupSecret });
  const accountContracts = new AccountContracts({ source: contracts });
  const publisher = new RecordingEventPublisher();
  const usage = new InMemoryUsageRepo();
  const log = recordingLogger('decrypter');
  const decrypter = createDecrypterHandler({
    streams,
    contracts: accountContracts,
    keyLinks: new KeyLinkResolver({ store, keks, lookupSecret }),
    publisher,
    usage,
    logger: log.logger,
  });
  // Ingest, as it seals events for the source stream (with its own process's caches).
  const ingest = new EventAcceptor({
    tokens: { verifyStreamToken: () => Promise.reject(new Error('not used')) },
    streams,
    contracts: new AccountContracts({ source: contracts }),
    keyLinks,
    lookupSecret,
    publisher: new RecordingEventPublisher(),
  });
  let sequence = 1000;
  /** Source-stream records of these events, as ingest wrote them. */
  /** Source-stream records of events sent to one incarnation of the source stream (today's by default). */
  const recordsOf = async (source: StreamRecord, events: Record<string, unknown>[]) => {
    const sealed = await Promise.all(
      events.map((event) => ingest.seal({ stream: source, billingId: null }, event)),
    );
    return sealed.map((record) => storedRecord(record, String(sequence++)));
  };
  const sourceRecords = (...events: Record<string, unknown>[]): Promise<StreamRecordData[]> =>
    recordsOf(SOURCE, events);
  return { decrypter, streams, contracts, store, publisher, usage, log, sourceRecords, recordsOf };
}

function storedRecord(record: OutgoingRecord, sequenceNumber: string): StreamRecordData {
  return {
    sequenceNumber,
    partitionKey: record.partitionKey,
    data: encodeEnvelope(record.envelope),
    arrivalSeconds: ARRIVAL_SECONDS,
    shardId: 'shardId-000000000000',
  };
}

/** A record that is not an event envelope. */
function poisonRecord(sequenceNumber: string): StreamRecordData {
  return { ...storedRecord(recordOf('x'), sequenceNumber), data: Buffer.from('not an envelope') };
}

function recordOf(keyLink: string): OutgoingRecord {
  return {
    partitionKey: keyLink,
    envelope: { v: 1, accountId: ACCOUNT, stream: 'demo', contractRef: 'x', event: {} },
  };
}

function batch(records: StreamRecordData[]) {
  return kinesisEvent(records, 'source-events');
}

type Fakes = ReturnType<typeof decrypterWithFakes>;

/** The derived events written for one derived stream, in order. */
function eventsOf(fakes: Fakes, derivedStream: string): Record<string, unknown>[] {
  return fakes.publisher
    .envelopes()
    .filter((envelope) => envelope.stream === derivedStream)
    .map((envelope) => envelope.event);
}

/** The envelope of a stored record, naming another contract (as if ingest had accepted it under that ref). */
function withContractRef(data: Uint8Array, contractRef: string): Uint8Array {
  const envelope = JSON.parse(Buffer.from(data).toString('utf8'));
  return Buffer.from(JSON.stringify({ ...envelope, contractRef }));
}

function sourceEventOf(record: StreamRecordData): Record<string, unknown> {
  return JSON.parse(Buffer.from(record.data).toString('utf8')).event;
}

describe('decrypter: consent per derived stream', () => {
  it('CUMULATIVE includes exactly the events whose highest level reaches the stream level', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const records = await fakes.sourceRecords(
      exampleEvent({ uniqueIdentifier: 'all', strmMeta: { consentLevels: [0, 1, 2, 3] } }),
      exampleEvent({ uniqueIdentifier: 'zero', strmMeta: { consentLevels: [0] } }),
      exampleEvent({ uniqueIdentifier: 'three', strmMeta: { consentLevels: [3] } }),
      exampleEvent({ uniqueIdentifier: 'none', strmMeta: { consentLevels: [] } }),
    );
    // Act
    const response = await fakes.decrypter(batch(records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(eventsOf(fakes, 'demo-1').map((event) => event.uniqueIdentifier)).toEqual(['all', 'three']);
  });

  it('CUMULATIVE decrypts the PII fields at or below the stream level and leaves the others as the source ciphertext', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const [record] = await fakes.sourceRecords(exampleEvent());
    const source = sourceEventOf(record!);
    // Act
    await fakes.decrypter(batch([record!]));
    // Assess
    const [derived] = eventsOf(fakes, 'demo-1');
    expect(derived).toMatchObject({ uniqueIdentifier: 'unique-14', notSensitiveValue: 'not-sensitive-99' });
    expect(derived!.consistentValue).toBe(source.consistentValue);
    expect(derived!.someSensitiveValue).toBe(source.someSensitiveValue);
  });

  it('GRANULAR includes only events consenting to every stream level and decrypts exactly those levels', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1_3]);
    const records = await fakes.sourceRecords(
      exampleEvent({ uniqueIdentifier: 'all', strmMeta: { consentLevels: [0, 1, 2, 3] } }),
      exampleEvent({ uniqueIdentifier: 'one', strmMeta: { consentLevels: [1] } }),
    );
    const source = sourceEventOf(records[0]!);
    // Act
    await fakes.decrypter(batch(records));
    // Assess
    const events = eventsOf(fakes, 'demo-1-3');
    expect(events.map((event) => event.uniqueIdentifier)).toEqual(['all']);
    expect(events[0]).toMatchObject({
      someSensitiveValue: 'sensitive-3',
      notSensitiveValue: 'not-sensitive-99',
    });
    expect(events[0]!.consistentValue).toBe(source.consistentValue);
  });

  it('masks the configured fields after decryption', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_3_MASKED]);
    const records = await fakes.sourceRecords(exampleEvent());
    // Act
    await fakes.decrypter(batch(records));
    // Assess
    const [derived] = eventsOf(fakes, 'demo-3-masked');
    expect(derived).toMatchObject({ consistentValue: 'session-7', someSensitiveValue: 'sensitive-3' });
    expect(derived!.notSensitiveValue).toBe(maskValue('not-sensitive-99', MASK_SEED));
  });

  it("writes each derived event in an envelope of its derived stream, with the source's strmMeta and key link", async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const [record] = await fakes.sourceRecords(exampleEvent());
    const source = sourceEventOf(record!);
    // Act
    await fakes.decrypter(batch([record!]));
    // Assess
    const [written] = fakes.publisher.records;
    expect(written!.envelope).toMatchObject({
      v: 1,
      accountId: ACCOUNT,
      stream: 'demo-1',
      contractRef: 'streammachine/example/1.3.0',
    });
    expect(written!.envelope.event.strmMeta).toEqual(source.strmMeta);
    expect(written!.partitionKey).toBe(record!.partitionKey);
  });

  it.each([
    ['disabled', { enabled: false }],
    ['stored without enabled', { enabled: undefined as unknown as boolean }],
  ])('writes nothing for a derived stream that is %s', async (_case, fields) => {
    // Prepare
    const fakes = decrypterWithFakes([{ ...DEMO_1, ...fields }, DEMO_1_3]);
    const records = await fakes.sourceRecords(exampleEvent());
    // Act
    await fakes.decrypter(batch(records));
    // Assess
    expect(fakes.publisher.envelopes().map((envelope) => envelope.stream)).toEqual(['demo-1-3']);
  });

  it('skips a derived stream whose stored definition no longer validates, naming it in the log', async () => {
    // Prepare
    const broken = { ...DEMO_1, name: 'demo-broken', consentLevels: [-1] };
    const fakes = decrypterWithFakes([broken, DEMO_1_3]);
    const records = await fakes.sourceRecords(exampleEvent());
    // Act
    const response = await fakes.decrypter(batch(records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(fakes.publisher.envelopes().map((envelope) => envelope.stream)).toEqual(['demo-1-3']);
    expect(fakes.log.attributesOf('derived stream definition is invalid; skipped')).toEqual([
      { derivedStream: 'demo-broken' },
    ]);
  });

  it('writes nothing for a source stream without derived streams, and still counts its events', async () => {
    // Prepare
    const fakes = decrypterWithFakes([]);
    const records = await fakes.sourceRecords(exampleEvent(), exampleEvent());
    // Act
    const response = await fakes.decrypter(batch(records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(fakes.publisher.records).toEqual([]);
    expect(await fakes.usage.list(ACCOUNT, 'demo', '', '\uffff')).toEqual([
      { minute: '2025-03-01T12:00:00.000Z', count: 2 },
    ]);
  });

  it("derives an event of a contract created after this process cached the account's contracts", async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    await fakes.decrypter(batch(await fakes.sourceRecords(exampleEvent()))); // caches the contracts
    await fakes.contracts.put(ACCOUNT, ORDER_CONTRACT);
    const records = await fakes.sourceRecords({ ...ORDER_EVENT, email: 'a@example.com' });
    // Act
    const response = await fakes.decrypter(batch(records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(eventsOf(fakes, 'demo-1')[1]).toMatchObject({ orderId: 'o-1', email: 'a@example.com' });
  });

  it('derives every record of a batch naming a contract created after this process cached the account', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    await fakes.contracts.put(ACCOUNT, INVOICE_CONTRACT);
    await fakes.decrypter(batch(await fakes.sourceRecords(INVOICE_EVENT))); // caches the account's contracts
    await fakes.contracts.put(ACCOUNT, ORDER_CONTRACT);
    const records = await fakes.sourceRecords(
      { ...ORDER_EVENT, orderId: 'o-1' },
      { ...ORDER_EVENT, orderId: 'o-2' },
      { ...ORDER_EVENT, orderId: 'o-3' },
    );
    // Act
    const response = await fakes.decrypter(batch(records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(eventsOf(fakes, 'demo-1').map((event) => event.orderId)).toEqual([undefined, 'o-1', 'o-2', 'o-3']);
    expect(fakes.log.attributesOf('batch processed')[1]).toMatchObject({ unknownContract: 0 });
  });

  it('derives a record whose contract was created after a reload of this process within the last second', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    await fakes.contracts.put(ACCOUNT, INVOICE_CONTRACT);
    const [unknown] = await fakes.sourceRecords(INVOICE_EVENT);
    const missing = { ...unknown!, data: withContractRef(unknown!.data, 'acme/missing/1.0.0') };
    await fakes.decrypter(batch([missing])); // a miss: this process reloads the account's contracts now
    await fakes.contracts.put(ACCOUNT, ORDER_CONTRACT);
    const [record] = await fakes.sourceRecords({ ...ORDER_EVENT, email: 'a@example.com' });
    const arrivedJustNow = { ...record!, arrivalSeconds: Date.now() / 1000 + 0.5 };
    // Act
    const response = await fakes.decrypter(batch([arrivedJustNow]));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(eventsOf(fakes, 'demo-1')).toEqual([expect.objectContaining({ orderId: 'o-1' })]);
  });
});

describe('decrypter: shredding, failures and usage', () => {
  it('skips the events of a crypto-shredded key link for every derived stream and counts them', async () => {
    // Prepare
    const fakes = decrypterWithFakes();
    const records = await fakes.sourceRecords(
      exampleEvent({ consistentValue: 'forget-me' }),
      exampleEvent({ consistentValue: 'keep-me' }),
    );
    await fakes.store.deleteById(records[0]!.partitionKey);
    // Act
    const response = await fakes.decrypter(batch(records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const keyLinks = new Set(fakes.publisher.records.map((record) => record.partitionKey));
    expect(keyLinks).toEqual(new Set([records[1]!.partitionKey]));
    expect(fakes.log.attributesOf('batch processed')[0]).toMatchObject({ shredded: 1 });
  });

  it('counts the derived streams that excluded an event', async () => {
    // Prepare
    const fakes = decrypterWithFakes();
    const records = await fakes.sourceRecords(exampleEvent({ strmMeta: { consentLevels: [1] } }));
    // Act
    await fakes.decrypter(batch(records));
    // Assess: demo-1 takes it, demo-1-3 and demo-3-masked do not.
    expect(fakes.log.attributesOf('batch processed')[0]).toMatchObject({
      records: 1,
      processed: 1,
      written: 1,
      excluded: 2,
    });
  });

  it('reports the first record that cannot be processed and writes nothing for it or the records after it', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const [before] = await fakes.sourceRecords(exampleEvent({ uniqueIdentifier: 'before' }));
    const poison = poisonRecord('1500');
    const [after] = await fakes.sourceRecords(exampleEvent({ uniqueIdentifier: 'after' }));
    // Act
    const response = await fakes.decrypter(batch([before!, poison, after!]));
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '1500' }]);
    expect(eventsOf(fakes, 'demo-1').map((event) => event.uniqueIdentifier)).toEqual(['before']);
    expect(fakes.log.attributesOf('source record failed')).toEqual([
      { errorName: 'ValidationError', sequenceNumber: '1500' },
    ]);
  });

  it('skips a record whose contract is gone, counts it and derives the records after it', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    await fakes.contracts.put(ACCOUNT, ORDER_CONTRACT);
    const [gone] = await fakes.sourceRecords({ ...ORDER_EVENT, email: 'a@example.com' });
    const [after] = await fakes.sourceRecords(exampleEvent({ uniqueIdentifier: 'after' }));
    await fakes.contracts.delete(ACCOUNT, ORDER_CONTRACT.ref);
    // Act
    const response = await fakes.decrypter(batch([gone!, after!]));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(eventsOf(fakes, 'demo-1').map((event) => event.uniqueIdentifier)).toEqual(['after']);
    expect(fakes.log.attributesOf('batch processed')[0]).toMatchObject({
      records: 2,
      processed: 2,
      unknownContract: 1,
    });
  });

  it('skips a derived record over the one-record limit, counts it and writes the records after it', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const huge = exampleEvent({ uniqueIdentifier: 'huge', notSensitiveValue: 'x'.repeat(1024 * 1024) });
    const records = await fakes.sourceRecords(huge, exampleEvent({ uniqueIdentifier: 'after' }));
    // Act
    const response = await fakes.decrypter(batch(records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(eventsOf(fakes, 'demo-1').map((event) => event.uniqueIdentifier)).toEqual(['after']);
    expect(fakes.log.attributesOf('batch processed')[0]).toMatchObject({
      records: 2,
      processed: 2,
      written: 1,
      oversized: 1,
    });
  });

  it('reports the first record whose derived events could not be written', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1, DEMO_1_3]);
    const records = await fakes.sourceRecords(
      exampleEvent({ uniqueIdentifier: 'x' }),
      exampleEvent({ uniqueIdentifier: 'y' }),
      exampleEvent({ uniqueIdentifier: 'z' }),
    );
    fakes.publisher.failing = (record) =>
      record.envelope.stream === 'demo-1-3' && record.envelope.event.uniqueIdentifier !== 'x';
    // Act
    const response = await fakes.decrypter(batch(records));
    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.sequenceNumber }]);
    expect(fakes.log.attributesOf('derived records could not be written')[0]).toEqual({
      failedRecords: 2,
    });
  });

  it('counts usage only for the records before the first failure, in the minute of their arrival', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const [first, second] = await fakes.sourceRecords(exampleEvent(), exampleEvent());
    const later = { ...second!, arrivalSeconds: ARRIVAL_SECONDS + 60 };
    // Act
    await fakes.decrypter(
      batch([first!, later, poisonRecord('1500'), ...(await fakes.sourceRecords(exampleEvent()))]),
    );
    // Assess
    expect(await fakes.usage.list(ACCOUNT, 'demo', '', '\uffff')).toEqual([
      { minute: usageMinuteOf(ARRIVAL_SECONDS * 1000), count: 1 },
      { minute: usageMinuteOf((ARRIVAL_SECONDS + 60) * 1000), count: 1 },
    ]);
  });

  it('counts no usage for a record whose derived events could not be written', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const records = await fakes.sourceRecords(exampleEvent());
    fakes.publisher.failing = () => true;
    // Act
    await fakes.decrypter(batch(records));
    // Assess
    expect(await fakes.usage.list(ACCOUNT, 'demo', '', '\uffff')).toEqual([]);
  });

  it('does not fail the batch when usage cannot be written, and logs only the error name', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const records = await fakes.sourceRecords(exampleEvent());
    fakes.usage.failing = true;
    // Act
    const response = await fakes.decrypter(batch(records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(eventsOf(fakes, 'demo-1')).toHaveLength(1);
    expect(fakes.log.attributesOf('usage counts could not be written')[0]).toEqual({
      errorName: 'Error',
    });
  });

  it('reads the strmMeta of each record once, however many derived streams it feeds', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1, DEMO_1_3, DEMO_3_MASKED]);
    const records = await fakes.sourceRecords(exampleEvent(), exampleEvent({ consistentValue: 'other' }));
    jest.mocked(strmMeta.readStrmMeta).mockClear();
    jest.mocked(strmMeta.readSealedStrmMeta).mockClear();
    // Act
    await fakes.decrypter(batch(records));
    // Assess
    expect(fakes.publisher.records).toHaveLength(6);
    expect(strmMeta.readSealedStrmMeta).toHaveBeenCalledTimes(2);
    expect(strmMeta.readStrmMeta).not.toHaveBeenCalled();
  });
});

describe('decrypter: incarnations of a source stream', () => {
  /** `demo` deleted and created again under its name, with a derived stream of the same name as before. */
  function recreated(fakes: Fakes, createdAt = new Date().toISOString()) {
    const source = { ...SOURCE, createdAt };
    fakes.streams.put(source);
    fakes.streams.put({ ...DEMO_1, createdAt });
    return source;
  }

  it("writes each derived event in an envelope naming its derived stream's incarnation", async () => {
    // Prepare
    const fakes = decrypterWithFakes([{ ...DEMO_1, createdAt: '2025-01-02T00:00:00.000Z' }]);
    const records = await fakes.sourceRecords(exampleEvent());
    // Act
    await fakes.decrypter(batch(records));
    // Assess
    expect(fakes.publisher.envelopes()[0]).toMatchObject({
      stream: 'demo-1',
      streamCreatedAt: '2025-01-02T00:00:00.000Z',
    });
  });

  it("drops an earlier incarnation's events (its key links still open) and counts them", async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const old = await fakes.sourceRecords(exampleEvent({ uniqueIdentifier: 'old' }));
    const source = recreated(fakes, '2025-02-01T00:00:00.000Z');
    const current = await fakes.recordsOf(source, [exampleEvent({ uniqueIdentifier: 'new' })]);
    // Act
    const response = await fakes.decrypter(batch([...old, ...current]));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(eventsOf(fakes, 'demo-1').map((event) => event.uniqueIdentifier)).toEqual(['new']);
    expect(fakes.log.attributesOf('batch processed')[0]).toMatchObject({ processed: 2, otherIncarnation: 1 });
  });

  it("derives a new incarnation's events although this process cached the earlier one", async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    await fakes.decrypter(batch(await fakes.sourceRecords(exampleEvent()))); // caches the source stream
    const source = recreated(fakes);
    const current = await fakes.recordsOf(source, [exampleEvent({ uniqueIdentifier: 'new' })]);
    // Act
    await fakes.decrypter(batch(current));
    // Assess
    expect(eventsOf(fakes, 'demo-1').map((event) => event.uniqueIdentifier)).toEqual(['unique-14', 'new']);
    expect(fakes.publisher.envelopes()[1]!.streamCreatedAt).toBe(source.createdAt);
  });

  it("reads the source stream again once for a batch of a new incarnation's events", async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    await fakes.decrypter(batch(await fakes.sourceRecords(exampleEvent()))); // caches the source stream
    const source = recreated(fakes);
    const current = await fakes.recordsOf(
      source,
      Array.from({ length: 10 }, (_, n) => exampleEvent({ consistentValue: `session-${n}` })),
    );
    const readsBefore = fakes.streams.calls.get;
    // Act
    await fakes.decrypter(batch(current));
    // Assess
    expect(fakes.streams.calls.get! - readsBefore!).toBe(1);
    expect(eventsOf(fakes, 'demo-1')).toHaveLength(11);
  });

  it('derives an event written before incarnations were recorded as one of the current incarnation', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const [record] = await fakes.sourceRecords(exampleEvent());
    const { streamCreatedAt: _, ...older } = JSON.parse(Buffer.from(record!.data).toString('utf8'));
    const legacy = { ...record!, data: Buffer.from(JSON.stringify(older)) };
    // Act
    await fakes.decrypter(batch([legacy]));
    // Assess
    expect(eventsOf(fakes, 'demo-1')).toHaveLength(1);
  });
});

describe('decrypter: batches of many key links', () => {
  it('reads the key links of a batch together, 100 per store read', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const records = await fakes.sourceRecords(
      ...Array.from({ length: 200 }, (_, n) => exampleEvent({ consistentValue: `session-${n}` })),
    );
    // Act
    const response = await fakes.decrypter(batch(records));
    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(fakes.store.manyReads).toEqual([100, 100]);
  });

  it('writes the derived events in record order', async () => {
    // Prepare
    const fakes = decrypterWithFakes([DEMO_1]);
    const records = await fakes.sourceRecords(
      ...Array.from({ length: 60 }, (_, n) =>
        exampleEvent({ consistentValue: `session-${n % 7}`, notSensitiveValue: `n-${n}` }),
      ),
    );
    // Act
    await fakes.decrypter(batch(records));
    // Assess
    expect(eventsOf(fakes, 'demo-1').map((event) => event.notSensitiveValue)).toEqual(
      Array.from({ length: 60 }, (_, n) => `n-${n}`),
    );
  });
});
