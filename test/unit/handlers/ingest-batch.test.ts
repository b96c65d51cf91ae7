import { Type } from 'avsc';
import { AccountContracts } from '../../../lambdas/aws/account-contracts';
import { AccountSchemas } from '../../../lambdas/aws/account-schemas';
import { avroTypeOf } from '../../../lambdas/core/avro-events';
import { MAX_BATCH_BODY_BYTES, MAX_BATCH_EVENTS } from '../../../lambdas/core/event-batch';
import { findBuiltinSchema } from '../../../lambdas/core/event-schemas';
import { KeyLinkResolver } from '../../../lambdas/core/key-links';
import { readSealedStrmMeta } from '../../../lambdas/core/strm-meta';
import { createIngestHandler } from '../../../lambdas/handlers/ingest';
import { ingestBatchRequest } from '../../support/data-path-events';
import { clickstreamEvent, exampleEvent } from '../../support/factories';
import { InMemoryContractsRepo } from '../../support/fakes/in-memory-contracts-repo';
import {
  InMemoryKeyEncryptionKeys,
  InMemoryKeyLinkStore,
} from '../../support/fakes/in-memory-key-link-store';
import { InMemorySchemasRepo } from '../../support/fakes/in-memory-schemas-repo';
import { InMemoryStreamsRepo } from '../../support/fakes/in-memory-streams-repo';
import { RecordingEventPublisher } from '../../support/fakes/recording-event-publisher';
import { recordingLogger } from '../../support/recording-logger';
import { streamRecord } from '../../support/stream-records';
import { testTokenService } from '../../support/token-service';

const ACCOUNT = 'account-1';
const CLIENT = 'client-1';
const LOOKUP_SECRET = Buffer.alloc(32, 9);
const START_MS = Date.parse('2025-03-01T12:00:00.000Z');

/** The ingest handler of one warm process with the stream `winston`, wired to in-memory fakes. */
function ingestWithFakes() {
  const now = () => START_MS;
  const tokens = testTokenService({ now });
  const streams = new InMemoryStreamsRepo();
  streams.put(
    streamRecord({
      name: 'winston',
      accountId: ACCOUNT,
      createdAt: '2025-01-01T00:00:00.000Z',
      credentials: [{ clientId: CLIENT }],
    }),
  );
  const store = new InMemoryKeyLinkStore();
  const contracts = new InMemoryContractsRepo();
  const publisher = new RecordingEventPublisher();
  const log = recordingLogger('ingest');
  const keyLinks = new KeyLinkResolver({
    store,
    keks: new InMemoryKeyEncryptionKeys(),
    lookupSecret: LOOKUP_SECRET,
    now,
  });
  const ingest = createIngestHandler({
    tokens,
    streams,
    contracts: new AccountContracts({ source: contracts, now }),
    schemas: new AccountSchemas({ source: new InMemorySchemasRepo(), now }),
    keyLinks,
    lookupSecret: LOOKUP_SECRET,
    publisher,
    now,
    logger: log.logger,
  });
  const authorization = async (derived = false) => {
    const { accessToken } = await tokens.issueStreamTokens({
      clientId: CLIENT,
      accountId: ACCOUNT,
      stream: 'winston',
      derived,
    });
    return { authorization: `Bearer ${accessToken}` };
  };
  /** POSTs a batch body to `/events` with a valid token. */
  const postBatch = async (body: string | Buffer, headers: Record<string, string | undefined> = {}) => {
    const binary = Buffer.isBuffer(body);
    const text = binary ? body.toString('base64') : body;
    return ingest(ingestBatchRequest(text, { ...(await authorization()), ...headers }, binary));
  };
  return { ingest, publisher, store, contracts, log, authorization, postBatch };
}

/** The body of a 200 answer. */
function resultsOf(response: { statusCode?: number; body?: string }) {
  expect(response.statusCode).toBe(200);
  return JSON.parse(response.body ?? '') as {
    accepted: number;
    rejected: number;
    results: { index: number; status: number; reason?: string }[];
  };
}

/** A custom contract of the account. */
const ORDER_CONTRACT = {
  ref: 'acme/order/1.0.0',
  keyField: 'orderId',
  piiFields: { email: 1 },
  validations: [],
};

const sessionEvent = (n: number) =>
  clickstreamEvent({ producerSessionId: `session-${n}`, url: `https://example.com/page/${n}` });

/** The Avro `bytes` encoding of each datum, concatenated: the batch layout for Avro binary events. */
function avroBatch(datums: Buffer[]): Buffer {
  const bytes = Type.forSchema('bytes');
  return Buffer.concat(datums.map((datum) => bytes.toBuffer(datum)));
}

function demoDatum(consistentValue: string): Buffer {
  return avroTypeOf(findBuiltinSchema('strmprivacy/demo/1.0.2')!).toBuffer({
    strmMeta: {
      eventContractRef: 'strmprivacy/example/1.3.0',
      nonce: null,
      timestamp: null,
      keyLink: null,
      billingId: null,
      consentLevels: [0, 1],
    },
    uniqueIdentifier: 'unique-1',
    consistentValue,
    someSensitiveValue: 'sensitive-1',
    notSensitiveValue: 'not-sensitive-1',
  });
}

const AVRO_HEADERS = {
  'content-type': 'application/octet-stream',
  'strm-serialization-type': 'application/x-avro-binary',
  'strm-schema-ref': 'strmprivacy/demo/1.0.2',
};

describe('ingest batches: who may send', () => {
  it('answers 401 for the whole request without a bearer token, and writes nothing', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    // Act
    const response = await fakes.ingest(ingestBatchRequest(JSON.stringify([sessionEvent(1)])));
    // Assess
    expect(response).toMatchObject({ statusCode: 401, body: 'missing bearer token' });
    expect(fakes.publisher.records).toEqual([]);
  });

  it("answers 403 for the whole request with a derived stream's token", async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const headers = await fakes.authorization(true);
    // Act
    const response = await fakes.ingest(ingestBatchRequest(JSON.stringify([sessionEvent(1)]), headers));
    // Assess
    expect(response.statusCode).toBe(403);
    expect(fakes.publisher.records).toEqual([]);
  });
});

describe('ingest batches: a JSON array', () => {
  it('accepts every event, answering 200 with a 204 result per event in body order', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const events = [1, 2, 3].map(sessionEvent);
    // Act
    const response = await fakes.postBatch(JSON.stringify(events));
    // Assess
    expect(resultsOf(response)).toEqual({
      accepted: 3,
      rejected: 0,
      results: [
        { index: 0, status: 204 },
        { index: 1, status: 204 },
        { index: 2, status: 204 },
      ],
    });
  });

  it("accepts every event of a contract created after this process cached the account's contracts", async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const orderEvent = (orderId: string) => ({
      strmMeta: { eventContractRef: 'acme/order/1.0.0', consentLevels: [1] },
      orderId,
    });
    await fakes.contracts.put(ACCOUNT, { ...ORDER_CONTRACT, ref: 'acme/invoice/1.0.0' });
    await fakes.postBatch(
      JSON.stringify([
        { strmMeta: { eventContractRef: 'acme/invoice/1.0.0', consentLevels: [1] }, orderId: 'i' },
      ]),
    ); // caches the account's contracts
    await fakes.contracts.put(ACCOUNT, ORDER_CONTRACT);
    // Act
    const response = await fakes.postBatch(JSON.stringify(['o-1', 'o-2', 'o-3'].map(orderEvent)));
    // Assess
    expect(resultsOf(response)).toMatchObject({ accepted: 3, rejected: 0 });
  });

  it('writes the sealed events in body order with one PutRecords request', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const events = [1, 2, 3].map(sessionEvent);
    // Act
    await fakes.postBatch(JSON.stringify(events));
    // Assess
    expect(fakes.publisher.publishAllCalls).toBe(1);
    expect(fakes.publisher.envelopes().map((envelope) => envelope.event.url)).toEqual([
      'https://example.com/page/1',
      'https://example.com/page/2',
      'https://example.com/page/3',
    ]);
  });

  it('seals each event as POST /event does: PII encrypted, strmMeta stamped, partitioned by its key link', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    // Act
    await fakes.postBatch(JSON.stringify([sessionEvent(1)]));
    // Assess
    const [record] = fakes.publisher.records;
    const meta = readSealedStrmMeta(record!.envelope.event);
    expect(record!.partitionKey).toBe(meta.keyLink);
    expect((record!.envelope.event.customer as { id: string }).id).not.toBe('customer-session-1');
    expect(record!.envelope.event.strmMeta).toMatchObject({ timestamp: START_MS });
  });

  it('gives the events of one key-field value one key link, and other values their own', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const events = [sessionEvent(1), sessionEvent(2), sessionEvent(1)];
    // Act
    await fakes.postBatch(JSON.stringify(events));
    // Assess
    const links = fakes.publisher.records.map((record) => record.partitionKey);
    expect(links[0]).toBe(links[2]);
    expect(links[1]).not.toBe(links[0]);
    expect(fakes.store.links.size).toBe(2);
  });

  it('refuses an invalid event alone, with the 400 reason POST /event gives, and accepts the others', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const events = [sessionEvent(1), clickstreamEvent({ url: 'not a url' }), sessionEvent(3)];
    // Act
    const response = await fakes.postBatch(JSON.stringify(events));
    // Assess
    const body = resultsOf(response);
    expect(body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(body.results[1]).toMatchObject({ index: 1, status: 400 });
    expect(body.results[1]!.reason).toContain('url');
    expect(fakes.publisher.records).toHaveLength(2);
  });

  it('refuses an element that is not an object alone', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    // Act
    const response = await fakes.postBatch(JSON.stringify([sessionEvent(1), 'text', [1]]));
    // Assess
    expect(resultsOf(response).results).toEqual([
      { index: 0, status: 204 },
      { index: 1, status: 400, reason: 'event must be a JSON object' },
      { index: 2, status: 400, reason: 'event must be a JSON object' },
    ]);
  });

  it('answers 400 for the whole request when the array is malformed, and writes nothing', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    // Act
    const response = await fakes.postBatch('[{"strmMeta": {}}, ');
    // Assess
    expect(response).toMatchObject({ statusCode: 400, body: 'malformed JSON body' });
    expect(fakes.publisher.records).toEqual([]);
  });

  it('answers 400 for a JSON body that is an object, naming the batch layouts', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    // Act
    const response = await fakes.postBatch(JSON.stringify(sessionEvent(1)));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('JSON array of events');
  });

  it('answers 400 for an empty batch', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    // Act
    const response = await fakes.postBatch('[]');
    // Assess
    expect(response).toMatchObject({ statusCode: 400, body: 'the batch holds no events' });
  });

  it(`answers 413 for more than ${MAX_BATCH_EVENTS} events, and writes nothing`, async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const events = Array.from({ length: MAX_BATCH_EVENTS + 1 }, (_, n) => sessionEvent(n));
    // Act
    const response = await fakes.postBatch(JSON.stringify(events));
    // Assess
    expect(response.statusCode).toBe(413);
    expect(response.body).toContain(`at most ${MAX_BATCH_EVENTS} events`);
    expect(fakes.publisher.records).toEqual([]);
  });

  it(`accepts ${MAX_BATCH_EVENTS} events in one request`, async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const events = Array.from({ length: MAX_BATCH_EVENTS }, (_, n) => sessionEvent(n % 50));
    // Act
    const response = await fakes.postBatch(JSON.stringify(events));
    // Assess
    expect(resultsOf(response).accepted).toBe(MAX_BATCH_EVENTS);
  });

  it('answers 413 for a body over 4 MiB', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const body = JSON.stringify([clickstreamEvent({ referrer: 'x'.repeat(MAX_BATCH_BODY_BYTES) })]);
    // Act
    const response = await fakes.postBatch(body);
    // Assess
    expect(response.statusCode).toBe(413);
  });
});

describe('ingest batches: NDJSON', () => {
  it('accepts one event per line with Content-Type application/x-ndjson, skipping blank lines', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const body = `${JSON.stringify(sessionEvent(1))}\r\n\n${JSON.stringify(sessionEvent(2))}\n`;
    // Act
    const response = await fakes.postBatch(body, { 'content-type': 'application/x-ndjson' });
    // Assess
    expect(resultsOf(response)).toMatchObject({ accepted: 2, rejected: 0 });
    expect(fakes.publisher.records).toHaveLength(2);
  });

  it('refuses a malformed line alone', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const body = [JSON.stringify(sessionEvent(1)), '{"strmMeta": ', JSON.stringify(sessionEvent(3))].join(
      '\n',
    );
    // Act
    const response = await fakes.postBatch(body, { 'content-type': 'application/x-ndjson' });
    // Assess
    expect(resultsOf(response).results).toEqual([
      { index: 0, status: 204 },
      { index: 1, status: 400, reason: 'malformed JSON body' },
      { index: 2, status: 204 },
    ]);
  });

  it('reads a body without Content-Type as NDJSON, unless it starts with [', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const lines = `${JSON.stringify(sessionEvent(1))}\n${JSON.stringify(sessionEvent(2))}`;
    const array = ` ${JSON.stringify([sessionEvent(3)])}`;
    // Act
    const fromLines = await fakes.postBatch(lines, { 'content-type': undefined });
    const fromArray = await fakes.postBatch(array, { 'content-type': undefined });
    // Assess
    expect(resultsOf(fromLines).accepted).toBe(2);
    expect(resultsOf(fromArray).accepted).toBe(1);
  });

  it('answers 415 for a Content-Type a batch does not use', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    // Act
    const response = await fakes.postBatch(JSON.stringify([sessionEvent(1)]), { 'content-type': 'text/csv' });
    // Assess
    expect(response.statusCode).toBe(415);
    expect(fakes.publisher.records).toEqual([]);
  });
});

describe('ingest batches: Avro binary', () => {
  it('decodes each length-prefixed datum by the schema Strm-Schema-Ref names', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const body = avroBatch([demoDatum('session-1'), demoDatum('session-2')]);
    // Act
    const response = await fakes.postBatch(body, AVRO_HEADERS);
    // Assess
    expect(resultsOf(response)).toMatchObject({ accepted: 2, rejected: 0 });
    expect(fakes.publisher.envelopes().map((envelope) => envelope.contractRef)).toEqual([
      'streammachine/example/1.3.0',
      'streammachine/example/1.3.0',
    ]);
  });

  it('refuses a datum that does not decode alone, naming the schema', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const good = demoDatum('session-1');
    const body = avroBatch([good, good.subarray(0, good.length - 4), good]);
    // Act
    const response = await fakes.postBatch(body, AVRO_HEADERS);
    // Assess
    const { results } = resultsOf(response);
    expect(results.map((result) => result.status)).toEqual([204, 400, 204]);
    expect(results[1]!.reason).toContain('streammachine/demo/1.0.2');
  });

  it('answers 400 for the whole request when a length prefix runs past the body', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const body = avroBatch([demoDatum('session-1')]);
    // Act
    const response = await fakes.postBatch(body.subarray(0, body.length - 1), AVRO_HEADERS);
    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('length prefix of event 0');
    expect(fakes.publisher.records).toEqual([]);
  });

  it('answers 400 for the whole request without a schema header', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    // Act
    const response = await fakes.postBatch(avroBatch([demoDatum('session-1')]), {
      ...AVRO_HEADERS,
      'strm-schema-ref': undefined,
    });
    // Assess
    expect(response).toMatchObject({
      statusCode: 400,
      body: 'Avro binary events need a Strm-Schema-Ref header naming their schema',
    });
  });
});

describe('ingest batches: writing', () => {
  it('answers 429 for each event while the stream is throttled', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.publisher.throttled = true;
    // Act
    const response = await fakes.postBatch(JSON.stringify([sessionEvent(1), sessionEvent(2)]));
    // Assess
    expect(resultsOf(response)).toEqual({
      accepted: 0,
      rejected: 2,
      results: [
        { index: 0, status: 429, reason: 'the stream is busy, retry later' },
        { index: 1, status: 429, reason: 'the stream is busy, retry later' },
      ],
    });
  });

  it('reports only the events the stream refused as not accepted', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.publisher.failing = (record) => record.envelope.event.url === 'https://example.com/page/2';
    // Act
    const response = await fakes.postBatch(JSON.stringify([1, 2, 3].map(sessionEvent)));
    // Assess
    expect(resultsOf(response).results.map((result) => result.status)).toEqual([204, 500, 204]);
    expect(fakes.publisher.records).toHaveLength(2);
  });

  it('answers 413 for an event whose sealed record would exceed the Kinesis record limit', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    const huge = exampleEvent({ uniqueIdentifier: 'u'.repeat(900 * 1024) });
    // Act
    const response = await fakes.postBatch(JSON.stringify([huge, sessionEvent(2)]));
    // Assess
    expect(resultsOf(response).results.map((result) => result.status)).toEqual([413, 204]);
  });

  it('logs an unexpected failure once by its error name, never its message', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.publisher.failing = () => true;
    // Act
    await fakes.postBatch(JSON.stringify([sessionEvent(1), sessionEvent(2)]));
    // Assess
    expect(fakes.log.attributesOf('ingest failed')).toEqual([{ errorName: 'Error' }]);
  });
});
