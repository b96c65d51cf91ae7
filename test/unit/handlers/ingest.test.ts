import { AccountContracts } from '../../../lambdas/aws/account-contracts';
import { AccountSchemas } from '../../../lambdas/aws/account-schemas';
import { avroTypeOf } from '../../../lambdas/core/avro-events';
import { findBuiltinSchema } from '../../../lambdas/core/event-schemas';
import { keyLinkScopeOf } from '../../../lambdas/core/key-link-scope';
import { KeyLinkResolver } from '../../../lambdas/core/key-links';
import { keyedHash } from '../../../lambdas/core/keyed-hash';
import type { StreamRecord } from '../../../lambdas/core/stream-definition';
import { createIngestHandler } from '../../../lambdas/handlers/ingest';
import { STREAM_CACHE_TTL_MS } from '../../../lambdas/use-cases/accept-event';
import { ingestRequest } from '../../support/data-path-events';
import { clickstreamEvent, eventBody, exampleEvent } from '../../support/factories';
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

/** The producer-facing source stream `winston`, enabled, with one credential. */
function sourceStream(fields: Partial<StreamRecord> = {}): StreamRecord {
  return streamRecord({
    name: 'winston',
    accountId: ACCOUNT,
    createdAt: '2025-01-01T00:00:00.000Z',
    credentials: [{ clientId: CLIENT }],
    ...fields,
  });
}

/** The ingest handler of one warm process, wired to in-memory fakes, with a clock the test moves. */
function ingestWithFakes(options: { tokens?: { verifyStreamToken(token: string): Promise<never> } } = {}) {
  const clock = { now: START_MS };
  const now = () => clock.now;
  const tokens = testTokenService({ now });
  const streams = new InMemoryStreamsRepo();
  const contracts = new InMemoryContractsRepo();
  const schemas = new InMemorySchemasRepo();
  const store = new InMemoryKeyLinkStore();
  const keks = new InMemoryKeyEncryptionKeys();
  const publisher = new RecordingEventPublisher();
  const log = recordingLogger('ingest');
  const ingest = createIngestHandler({
    tokens: options.tokens ?? tokens,
    streams,
    contracts: new AccountContracts({ source: contracts, now }),
    schemas: new AccountSchemas({ source: schemas, now }),
    keyLinks: new KeyLinkResolver({ store, keks, lookupSecret: LOOKUP_SECRET, now }),
    lookupSecret: LOOKUP_SECRET,
    publisher,
    now,
    logger: log.logger,
  });
  /** A key-link resolver of another process: it opens key links from the store alone. */
  const otherProcess = () => new KeyLinkResolver({ store, keks, lookupSecret: LOOKUP_SECRET, now });
  return { ingest, tokens, streams, contracts, schemas, store, publisher, log, clock, otherProcess };
}

type Fakes = ReturnType<typeof ingestWithFakes>;

async function tokenFor(
  fakes: Fakes,
  claims: { stream?: string; clientId?: string; derived?: boolean } = {},
) {
  const { accessToken } = await fakes.tokens.issueStreamTokens({
    clientId: claims.clientId ?? CLIENT,
    accountId: ACCOUNT,
    stream: claims.stream ?? 'winston',
    derived: claims.derived ?? false,
  });
  return { authorization: `Bearer ${accessToken}` };
}

/** POSTs an event to `winston` with a valid token. */
async function post(fakes: Fakes, event: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fakes.ingest(ingestRequest(eventBody(event), { ...(await tokenFor(fakes)), ...headers }));
}

describe('ingest: who may send', () => {
  it('answers 401 without a bearer token', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream());
    // Act
    const response = await fakes.ingest(ingestRequest(eventBody(clickstreamEvent())));
    // Assess
    expect(response).toMatchObject({ statusCode: 401, body: 'missing bearer token' });
    expect(fakes.publisher.records).toEqual([]);
  });

  it('answers 401 for a token signed with another key', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream());
    const forger = testTokenService({ signingKeyByte: 1 });
    const { accessToken } = await forger.issueStreamTokens({
      clientId: CLIENT,
      accountId: ACCOUNT,
      stream: 'winston',
      derived: false,
    });
    // Act
    const response = await fakes.ingest(
      ingestRequest(eventBody(clickstreamEvent()), { authorization: `Bearer ${accessToken}` }),
    );
    // Assess
    expect(response.statusCode).toBe(401);
    expect(fakes.publisher.records).toEqual([]);
  });

  it('answers 401 for an expired token', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream());
    const headers = await tokenFor(fakes);
    fakes.clock.now += 60 * 60 * 1000;
    // Act
    const response = await fakes.ingest(ingestRequest(eventBody(clickstreamEvent()), headers));
    // Assess
    expect(response).toMatchObject({ statusCode: 401, body: 'token expired' });
  });

  it('answers 401 when the token cannot be verified for an unexpected reason', async () => {
    // Prepare
    const failing = { verifyStreamToken: async (): Promise<never> => Promise.reject(new Error('boom')) };
    const fakes = ingestWithFakes({ tokens: failing });
    fakes.streams.put(sourceStream());
    // Act
    const response = await fakes.ingest(
      ingestRequest(eventBody(clickstreamEvent()), { authorization: 'Bearer some.token.value' }),
    );
    // Assess
    expect(response).toMatchObject({ statusCode: 401, body: 'invalid or expired token' });
  });

  it("answers 403 for a derived stream's token", async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream({ name: 'winston-0', linkedStream: 'winston', consentLevels: [0] }));
    const headers = await tokenFor(fakes, { stream: 'winston-0', derived: true });
    // Act
    const response = await fakes.ingest(ingestRequest(eventBody(clickstreamEvent()), headers));
    // Assess
    expect(response).toMatchObject({ statusCode: 403, body: 'events can only be sent to a source stream' });
    expect(fakes.publisher.records).toEqual([]);
  });

  it('answers 403 for a token that claims a source stream whose record is derived', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream({ linkedStream: 'other', consentLevels: [0] }));
    // Act
    const response = await post(fakes, clickstreamEvent());
    // Assess
    expect(response).toMatchObject({ statusCode: 403, body: 'events can only be sent to a source stream' });
  });

  it('answers 403 for a stream that does not exist', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    // Act
    const response = await post(fakes, clickstreamEvent());
    // Assess
    expect(response).toMatchObject({ statusCode: 403, body: 'the stream does not exist or is disabled' });
  });

  it.each([
    ['disabled', { enabled: false }],
    ['stored without enabled', { enabled: undefined as unknown as boolean }],
  ])('answers 403 for a stream that is %s', async (_case, fields) => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream(fields));
    // Act
    const response = await post(fakes, clickstreamEvent());
    // Assess
    expect(response).toMatchObject({ statusCode: 403, body: 'the stream does not exist or is disabled' });
    expect(fakes.publisher.records).toEqual([]);
  });

  it('answers 401 for a token whose credentials no longer belong to the stream', async () => {
    // Prepare: the stream was deleted and created again under the same name, with a new credential.
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream({ credentials: [{ clientId: 'client-of-the-new-stream' }] }));
    // Act
    const response = await post(fakes, clickstreamEvent());
    // Assess
    expect(response).toMatchObject({
      statusCode: 401,
      body: 'the credentials of this token no longer belong to the stream',
    });
  });

  it('reloads a cached stream once when the token names a client the cached record does not know', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream({ credentials: [{ clientId: 'old-client' }] }));
    await post(fakes, clickstreamEvent()); // caches the stream without CLIENT
    fakes.streams.put(sourceStream({ credentials: [{ clientId: 'old-client' }, { clientId: CLIENT }] }));
    // Act
    const response = await post(fakes, clickstreamEvent());
    // Assess
    expect(response.statusCode).toBe(204);
    expect(fakes.streams.calls.get).toBe(3);
  });

  it('keeps using a cached stream record until its time is up, then sees it disabled', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream());
    await post(fakes, clickstreamEvent());
    fakes.streams.put(sourceStream({ enabled: false }));
    // Act
    const cached = await post(fakes, clickstreamEvent());
    fakes.clock.now += STREAM_CACHE_TTL_MS;
    const reloaded = await post(fakes, clickstreamEvent());
    // Assess
    expect(cached.statusCode).toBe(204);
    expect(reloaded.statusCode).toBe(403);
  });
});

describe('ingest: what may be sent', () => {
  let fakes: Fakes;

  beforeEach(() => {
    fakes = ingestWithFakes();
    fakes.streams.put(sourceStream());
  });

  it('answers 400 for a serialization type other than JSON or Avro binary', async () => {
    // Act
    const response = await post(fakes, clickstreamEvent(), {
      'strm-serialization-type': 'application/x-protobuf',
    });
    // Assess
    expect(response).toMatchObject({ statusCode: 400, body: 'unsupported serialization type' });
    expect(fakes.publisher.records).toEqual([]);
  });

  it('accepts a JSON serialization type with parameters and a base64-encoded body', async () => {
    // Prepare
    const body = Buffer.from(eventBody(exampleEvent())).toString('base64');
    const headers = {
      ...(await tokenFor(fakes)),
      'strm-serialization-type': 'application/json; charset=utf-8',
    };
    // Act
    const response = await fakes.ingest(ingestRequest(body, headers, true));
    // Assess
    expect(response.statusCode).toBe(204);
    expect(fakes.publisher.records).toHaveLength(1);
  });

  it('answers 400 for a body that is not JSON', async () => {
    // Act
    const response = await fakes.ingest(ingestRequest('{"strmMeta": ', await tokenFor(fakes)));
    // Assess
    expect(response).toMatchObject({ statusCode: 400, body: 'malformed JSON body' });
    expect(fakes.publisher.records).toEqual([]);
  });

  it.each([
    ['the key field is missing', clickstreamEvent({ producerSessionId: undefined }), 'producerSessionId'],
    ['the key field is empty', clickstreamEvent({ producerSessionId: '' }), 'producerSessionId'],
    ['a PII field is not a string', clickstreamEvent({ customer: { id: 42 } }), 'customer/id'],
    ['a field fails its regex', clickstreamEvent({ url: 'not a url' }), 'url'],
    [
      'consent levels are not integers',
      clickstreamEvent({ strmMeta: { consentLevels: '0,1' } }),
      'consentLevels',
    ],
    ['strmMeta is missing', { ...clickstreamEvent(), strmMeta: undefined }, 'strmMeta'],
  ])('answers 400 naming the field when %s', async (_case, event, field) => {
    // Act
    const response = await post(fakes, event);
    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(field);
    expect(fakes.publisher.records).toEqual([]);
  });

  it("answers 400 naming an unknown contract after reloading the account's contracts once", async () => {
    // Prepare
    const event = clickstreamEvent({ strmMeta: { eventContractRef: 'nobody/nothing/1.0.0' } });
    // Act
    const response = await post(fakes, event);
    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain("unknown event contract 'nobody/nothing/1.0.0'");
    expect(fakes.contracts.calls.listForAccount).toBe(2);
    expect(fakes.publisher.records).toEqual([]);
  });

  it("accepts an event of a contract created after this process cached the account's contracts", async () => {
    // Prepare
    await post(fakes, exampleEvent());
    await fakes.contracts.put(ACCOUNT, {
      ref: 'acme/order/1.0.0',
      keyField: 'orderId',
      piiFields: { email: 0 },
      validations: [],
    });
    const order = { strmMeta: { eventContractRef: 'acme/order/1.0.0', consentLevels: [0] }, orderId: 'o-1' };
    // Act
    const response = await post(fakes, { ...order, email: 'a@example.com' });
    // Assess
    expect(response.statusCode).toBe(204);
    expect(fakes.publisher.envelopes()[1]).toMatchObject({ contractRef: 'acme/order/1.0.0' });
  });

  it('answers 413 for a body over 1 MiB', async () => {
    // Act
    const response = await post(fakes, clickstreamEvent({ referrer: 'x'.repeat(1024 * 1024) }));
    // Assess
    expect(response.statusCode).toBe(413);
    expect(fakes.publisher.records).toEqual([]);
  });

  it('answers 413 for a body under 1 MiB whose sealed record would exceed the Kinesis record limit', async () => {
    // Act
    const response = await post(fakes, exampleEvent({ uniqueIdentifier: 'u'.repeat(800_000) }));
    // Assess
    expect(response).toMatchObject({
      statusCode: 413,
      body: 'the event is too large once its PII fields are encrypted',
    });
    expect(fakes.publisher.records).toEqual([]);
  });

  it('answers 429 when the source stream is throttled', async () => {
    // Prepare
    fakes.publisher.throttled = true;
    // Act
    const response = await post(fakes, clickstreamEvent());
    // Assess
    expect(response).toMatchObject({ statusCode: 429, body: 'the stream is busy, retry later' });
  });

  it('answers 500 for an unexpected failure and logs only the error name', async () => {
    // Prepare
    fakes.publisher.rejectWith = new TypeError('customer-secret-value leaked into a message');
    // Act
    const response = await post(fakes, clickstreamEvent({ customer: { id: 'customer-secret-value' } }));
    // Assess
    expect(response).toMatchObject({ statusCode: 500, body: 'internal error' });
    expect(fakes.log.attributesOf('ingest failed')).toEqual([{ errorName: 'TypeError' }]);
    expect(fakes.log.text()).not.toContain('customer-secret-value');
  });
});

describe('ingest: an accepted event', () => {
  let fakes: Fakes;

  beforeEach(() => {
    fakes = ingestWithFakes();
    fakes.streams.put(sourceStream({ keyRotationHours: 6 }));
  });

  it("answers 204 with one envelope of the event's stream and contract, partitioned by its key link", async () => {
    // Act
    const response = await post(fakes, clickstreamEvent());
    // Assess
    expect(response.statusCode).toBe(204);
    const [record, ...others] = fakes.publisher.records;
    expect(others).toEqual([]);
    expect(record!.envelope).toMatchObject({
      v: 1,
      accountId: ACCOUNT,
      stream: 'winston',
      contractRef: 'streammachine/clickstream/1.0.0',
    });
    expect(record!.partitionKey).toBe((record!.envelope.event.strmMeta as { keyLink: string }).keyLink);
  });

  it('names the incarnation of the stream (its createdAt) in the envelope', async () => {
    // Act
    await post(fakes, clickstreamEvent());
    // Assess
    expect(fakes.publisher.envelopes()[0]!.streamCreatedAt).toBe('2025-01-01T00:00:00.000Z');
  });

  it('seals every PII field as ciphertext that decrypts to the sent value with the key link', async () => {
    // Prepare
    const event = clickstreamEvent({ producerSessionId: 'session-a', customer: { id: 'customer-a' } });
    // Act
    await post(fakes, event);
    // Assess
    const sealed = fakes.publisher.envelopes()[0]!.event as {
      producerSessionId: string;
      customer: { id: string };
      strmMeta: { keyLink: string };
    };
    expect(sealed.producerSessionId).not.toBe('session-a');
    expect(sealed.customer.id).not.toBe('customer-a');
    const aead = await fakes.otherProcess().byId(sealed.strmMeta.keyLink);
    expect(aead!.decryptString(sealed.producerSessionId)).toBe('session-a');
    expect(aead!.decryptString(sealed.customer.id)).toBe('customer-a');
  });

  it('keeps the non-PII fields as they were sent', async () => {
    // Prepare
    const event = clickstreamEvent({ referrer: 'https://example.com/', conversion: 3 });
    // Act
    await post(fakes, event);
    // Assess
    const sealed = fakes.publisher.envelopes()[0]!.event;
    expect(sealed).toMatchObject({
      url: event.url,
      referrer: 'https://example.com/',
      conversion: 3,
      abTests: [],
    });
  });

  it("stamps strmMeta with a nonce, this moment and the key link, over the client's values", async () => {
    // Prepare
    const event = clickstreamEvent({ strmMeta: { nonce: 1, timestamp: 2, keyLink: 'chosen-by-client' } });
    // Act
    await post(fakes, event);
    // Assess
    const { strmMeta } = fakes.publisher.envelopes()[0]!.event as { strmMeta: Record<string, unknown> };
    expect(strmMeta).toMatchObject({ consentLevels: [0, 1], timestamp: START_MS });
    expect(Number.isInteger(strmMeta.nonce)).toBe(true);
    expect(strmMeta.keyLink).toBe(fakes.publisher.records[0]!.partitionKey);
    expect(strmMeta.keyLink).not.toBe('chosen-by-client');
  });

  it('uses one key link per key-field value', async () => {
    // Act
    for (const session of ['s-1', 's-1', 's-2']) {
      await post(fakes, clickstreamEvent({ producerSessionId: session, customer: { id: 'c-1' } }));
    }
    // Assess
    const [first, second, third] = fakes.publisher.records.map((record) => record.partitionKey);
    expect(second).toBe(first);
    expect(third).not.toBe(first);
  });

  it("creates key links in this incarnation's scope, living the stream's rotation period", async () => {
    // Act
    await post(fakes, clickstreamEvent());
    // Assess
    const [link] = [...fakes.store.links.values()];
    expect(link!.scope).toBe(keyLinkScopeOf(sourceStream()));
    expect(link!.createdAt).toBe(START_MS);
    expect(link!.expiresAt).toBe(START_MS + 6 * 60 * 60 * 1000);
  });

  it("indexes the key link under the keyed hash of the event's data subject, never the plain value", async () => {
    // Act
    await post(fakes, clickstreamEvent({ producerSessionId: 'session-s', customer: { id: 'customer-77' } }));
    // Assess
    const [link] = [...fakes.store.links.values()];
    expect(link!.dataSubjectHash).toBe(keyedHash(LOOKUP_SECRET, ACCOUNT, 'customer-77'));
    const seenByStore = JSON.stringify(fakes.store.observedArguments);
    expect(seenByStore).not.toContain('customer-77');
    expect(seenByStore).not.toContain('session-s');
  });
});

/** A demo event as the original drivers build it (nullable gateway fields set to null). */
function driverDemoEvent(consentLevels: number[] = [0, 1]) {
  return {
    strmMeta: {
      eventContractRef: 'strmprivacy/example/1.3.0',
      nonce: null,
      timestamp: null,
      keyLink: null,
      billingId: null,
      consentLevels,
    },
    uniqueIdentifier: 'unique-1',
    consistentValue: 'session-1',
    someSensitiveValue: 'sensitive-1',
    notSensitiveValue: 'not-sensitive-1',
  };
}

const avroHeaders = (schemaRef = 'strmprivacy/demo/1.0.2') => ({
  'content-type': 'application/octet-stream',
  'strm-serialization-type': 'application/x-avro-binary',
  'strm-schema-ref': schemaRef,
});

/** POSTs raw bytes, base64-encoded as API Gateway passes an octet-stream body. */
async function postBytes(fakes: Fakes, bytes: Buffer, headers: Record<string, string>) {
  return fakes.ingest(
    ingestRequest(bytes.toString('base64'), { ...(await tokenFor(fakes)), ...headers }, true),
  );
}

describe('ingest: Avro binary bodies (the original drivers)', () => {
  let fakes: Fakes;

  beforeEach(() => {
    fakes = ingestWithFakes();
    fakes.streams.put(sourceStream());
  });

  it('decodes one raw Avro datum by the schema Strm-Schema-Ref names and accepts it', async () => {
    // Prepare
    const body = Buffer.from(
      avroTypeOf(findBuiltinSchema('strmprivacy/demo/1.0.2')!).toBuffer(driverDemoEvent()),
    );
    // Act
    const response = await postBytes(fakes, body, avroHeaders());
    // Assess
    expect(response.statusCode).toBe(204);
    const sealed = fakes.publisher.envelopes()[0]!;
    expect(sealed.contractRef).toBe('streammachine/example/1.3.0');
    expect(sealed.event).toMatchObject({
      notSensitiveValue: 'not-sensitive-1',
      strmMeta: { eventContractRef: 'strmprivacy/example/1.3.0', consentLevels: [0, 1] },
    });
    expect(sealed.event.uniqueIdentifier).not.toBe('unique-1');
  });

  it('decodes the legacy clickstream schema named by Strm-Schema-Id', async () => {
    // Prepare
    const legacy = clickstreamEvent({ strmMeta: { schemaId: 'clickstream', consentLevels: [0] } }) as Record<
      string,
      unknown
    >;
    const meta = {
      schemaId: 'clickstream',
      nonce: 0,
      timestamp: 0,
      keyLink: null,
      billingId: null,
      consentLevels: [0],
    };
    const body = Buffer.from(
      avroTypeOf(findBuiltinSchema('clickstream')!).toBuffer({ ...legacy, strmMeta: meta }),
    );
    const headers = { ...avroHeaders(), 'strm-schema-ref': undefined, 'strm-schema-id': 'clickstream' };
    // Act
    const response = await fakes.ingest(
      ingestRequest(body.toString('base64'), { ...(await tokenFor(fakes)), ...headers }, true),
    );
    // Assess
    expect(response.statusCode).toBe(204);
    expect(fakes.publisher.envelopes()[0]!.contractRef).toBe('streammachine/clickstream/1.0.0');
  });

  it('answers 400 naming the schema for a truncated body', async () => {
    // Prepare
    const body = Buffer.from(
      avroTypeOf(findBuiltinSchema('strmprivacy/demo/1.0.2')!).toBuffer(driverDemoEvent()),
    );
    // Act
    const response = await postBytes(fakes, body.subarray(0, body.length - 4), avroHeaders());
    // Assess
    expect(response).toMatchObject({
      statusCode: 400,
      body: 'Avro body is truncated or not encoded with schema streammachine/demo/1.0.2 (it ended inside the event)',
    });
    expect(fakes.publisher.records).toEqual([]);
  });

  it('answers 400 for bytes after the event', async () => {
    // Prepare
    const body = Buffer.from(
      avroTypeOf(findBuiltinSchema('strmprivacy/demo/1.0.2')!).toBuffer(driverDemoEvent()),
    );
    // Act
    const response = await postBytes(fakes, Buffer.concat([body, Buffer.from([2, 4])]), avroHeaders());
    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('bytes after the event');
  });

  it('answers 400 for an Avro body without a schema header', async () => {
    // Act
    const response = await postBytes(fakes, Buffer.from([1, 2, 3]), {
      'content-type': 'application/octet-stream',
      'strm-serialization-type': 'application/x-avro-binary',
    });
    // Assess
    expect(response).toMatchObject({
      statusCode: 400,
      body: 'Avro binary events need a Strm-Schema-Ref header naming their schema',
    });
  });

  it('answers 400 for a schema ref the account does not have', async () => {
    // Act
    const response = await postBytes(fakes, Buffer.from([1]), avroHeaders('acme/nothing/1.0.0'));
    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain("unknown schema 'acme/nothing/1.0.0'");
  });

  it("decodes with the account's own Avro schema", async () => {
    // Prepare
    const definition = {
      type: 'record',
      name: 'Order',
      fields: [
        {
          name: 'strmMeta',
          type: {
            type: 'record',
            name: 'Meta',
            fields: [
              { name: 'eventContractRef', type: 'string' },
              { name: 'consentLevels', type: { type: 'array', items: 'int' } },
            ],
          },
        },
        { name: 'orderId', type: 'string' },
        { name: 'email', type: ['null', 'string'], default: null },
      ],
    };
    const schema = { ref: 'acme/order/1.0.0', type: 'AVRO' as const, definition };
    await fakes.schemas.put(ACCOUNT, schema);
    await fakes.contracts.put(ACCOUNT, {
      ref: 'acme/order-contract/1.0.0',
      keyField: 'orderId',
      piiFields: { email: 0 },
      validations: [],
      schemaRef: 'acme/order/1.0.0',
    });
    const event = {
      strmMeta: { eventContractRef: 'acme/order-contract/1.0.0', consentLevels: [0] },
      orderId: 'o-1',
      email: 'a@b.c',
    };
    // Act
    const response = await postBytes(
      fakes,
      Buffer.from(avroTypeOf(schema).toBuffer(event)),
      avroHeaders('acme/order/1.0.0'),
    );
    // Assess
    expect(response.statusCode).toBe(204);
    expect(fakes.publisher.envelopes()[0]!.event).toMatchObject({ orderId: 'o-1' });
  });
});

describe('ingest: strmMeta.billingId', () => {
  it("stamps the token's billing id over whatever the client sent", async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream());
    const { accessToken } = await fakes.tokens.issueStreamTokens({
      clientId: CLIENT,
      accountId: ACCOUNT,
      stream: 'winston',
      derived: false,
      billingId: 'demo4678984730',
    });
    const event = exampleEvent({ strmMeta: { billingId: 'forged0000000000' } });
    // Act
    const response = await fakes.ingest(
      ingestRequest(eventBody(event), { authorization: `Bearer ${accessToken}` }),
    );
    // Assess
    expect(response.statusCode).toBe(204);
    expect(fakes.publisher.envelopes()[0]!.event.strmMeta).toMatchObject({ billingId: 'demo4678984730' });
  });

  it('stamps null for a token issued before billing ids existed', async () => {
    // Prepare
    const fakes = ingestWithFakes();
    fakes.streams.put(sourceStream());
    // Act
    const response = await post(fakes, exampleEvent({ strmMeta: { billingId: 'forged0000000000' } }));
    // Assess
    expect(response.statusCode).toBe(204);
    expect(fakes.publisher.envelopes()[0]!.event.strmMeta).toMatchObject({ billingId: null });
  });
});

describe('ingest: JSON bodies, strictly', () => {
  let fakes: Fakes;

  beforeEach(() => {
    fakes = ingestWithFakes();
    fakes.streams.put(sourceStream());
  });

  it.each(['application/json; charset=utf-8', 'application/octet-stream'])(
    'accepts Content-Type %s',
    async (contentType) => {
      // Act
      const response = await post(fakes, exampleEvent(), { 'content-type': contentType });
      // Assess
      expect(response.statusCode).toBe(204);
    },
  );

  it('accepts a body without Content-Type', async () => {
    // Act
    const response = await fakes.ingest(
      ingestRequest(eventBody(exampleEvent()), { ...(await tokenFor(fakes)), 'content-type': undefined }),
    );
    // Assess
    expect(response.statusCode).toBe(204);
  });

  it('answers 415 with a reason for any other Content-Type', async () => {
    // Act
    const response = await post(fakes, exampleEvent(), { 'content-type': 'text/xml' });
    // Assess
    expect(response).toMatchObject({
      statusCode: 415,
      body: 'unsupported Content-Type: send application/json or application/octet-stream',
    });
  });

  it('answers 400 for JSON nested deeper than 64 levels', async () => {
    // Prepare
    const deep = `{"strmMeta":{"eventContractRef":"streammachine/example/1.3.0","consentLevels":[]},"x":${'['.repeat(70)}${']'.repeat(70)}}`;
    // Act
    const response = await fakes.ingest(ingestRequest(deep, await tokenFor(fakes)));
    // Assess
    expect(response).toMatchObject({
      statusCode: 400,
      body: 'JSON body nests arrays and objects more than 64 levels deep',
    });
  });

  it('answers 400 for bytes that are not UTF-8, never replacing them', async () => {
    // Prepare
    const text = Buffer.from(eventBody(exampleEvent({ notSensitiveValue: 'AB' })));
    const at = text.indexOf('AB');
    text[at] = 0xc3;
    text[at + 1] = 0x28;
    // Act
    const response = await fakes.ingest(ingestRequest(text.toString('base64'), await tokenFor(fakes), true));
    // Assess
    expect(response).toMatchObject({ statusCode: 400, body: 'body is not valid UTF-8' });
    expect(fakes.publisher.records).toEqual([]);
  });

  it('checks a JSON event against the Avro schema Strm-Schema-Ref names', async () => {
    // Act
    const response = await post(fakes, exampleEvent({ notSensitiveValue: 42 }), {
      'strm-schema-ref': 'streammachine/demo/1.0.2',
    });
    // Assess
    expect(response).toMatchObject({
      statusCode: 400,
      body: "event does not match schema streammachine/demo/1.0.2 at field 'notSensitiveValue'",
    });
  });

  it('accepts a JSON event that fits the named schema without the gateway-set strmMeta fields', async () => {
    // Act
    const legacy = clickstreamEvent({
      strmMeta: { eventContractRef: undefined, schemaId: 'clickstream', consentLevels: [0] },
    });
    const response = await post(fakes, legacy, { 'strm-schema-id': 'clickstream' });
    // Assess
    expect(response.statusCode).toBe(204);
  });
});
