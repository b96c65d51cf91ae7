import { randomBytes, randomUUID } from 'node:crypto';
import { ContractsRepo } from '../../../lambdas/aws/contracts-repo';
import { DynamoKeyLinkStore } from '../../../lambdas/aws/key-link-store';
import { decodeEnvelope } from '../../../lambdas/core/event-envelope';
import { keyedHash } from '../../../lambdas/core/keyed-hash';
import { TokenService } from '../../../lambdas/core/tokens';
import { clickstreamEvent, eventBody, exampleEvent } from '../../support/factories';
import {
  createStreamRecord,
  type DataPathEnv,
  ingestRequest,
  newIngest,
  newResolver,
  readAllRecords,
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

/** A fresh account with one source stream and a token for it. */
async function sourceStreamWithToken(fields: { enabled?: boolean } = {}) {
  const accountId = randomUUID();
  const { stream, clientId } = await createStreamRecord(env, accountId, { name: 'winston', ...fields });
  return { accountId, stream, token: await streamToken(env, stream, clientId) };
}

async function sourceEnvelopesOf(accountId: string) {
  return (await readAllRecords(env, env.sourceStream))
    .map((record) => ({ record, envelope: decodeEnvelope(record.data) }))
    .filter(({ envelope }) => envelope.accountId === accountId);
}

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

// Every test checks that nothing of its account reached the source stream: each holds alone, in any order.
describe('ingest rejects bad input with a 4xx and writes nothing', () => {
  let accountId: string;
  let token: string;
  const ingest = () => newIngest(env);

  beforeAll(async () => {
    ({ accountId, token } = await sourceStreamWithToken());
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await ingest()(ingestRequest('{"strmMeta": ', bearer(token)));
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('malformed JSON');
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 400 naming the contract for an unknown contract', async () => {
    const event = clickstreamEvent({ strmMeta: { eventContractRef: 'nobody/nothing/1.0.0' } });
    const response = await ingest()(ingestRequest(eventBody(event), bearer(token)));
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('nobody/nothing/1.0.0');
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 400 naming the key field when it is missing', async () => {
    const response = await ingest()(
      ingestRequest(eventBody(clickstreamEvent({ producerSessionId: undefined })), bearer(token)),
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('producerSessionId');
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 400 naming the key field when it is empty', async () => {
    const response = await ingest()(
      ingestRequest(eventBody(clickstreamEvent({ producerSessionId: '' })), bearer(token)),
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('producerSessionId');
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 400 naming the field for a PII field that is not a string', async () => {
    const response = await ingest()(
      ingestRequest(eventBody(clickstreamEvent({ customer: { id: 42 } })), bearer(token)),
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('customer/id');
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 400 for consent levels that are not an array of integers', async () => {
    const event = clickstreamEvent({ strmMeta: { consentLevels: '0,1' } });
    const response = await ingest()(ingestRequest(eventBody(event), bearer(token)));
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('consentLevels');
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 400 for a serialization type other than JSON or Avro binary', async () => {
    const response = await ingest()(
      ingestRequest(eventBody(clickstreamEvent()), {
        ...bearer(token),
        'strm-serialization-type': 'application/x-protobuf',
      }),
    );
    expect(response.statusCode).toBe(400);
    expect(response.body).toBe('unsupported serialization type');
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const event = clickstreamEvent({ referrer: 'x'.repeat(1024 * 1024) });
    const response = await ingest()(ingestRequest(eventBody(event), bearer(token)));
    expect(response.statusCode).toBe(413);
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 401 without a bearer token', async () => {
    const response = await ingest()(ingestRequest(eventBody(clickstreamEvent())));
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe('missing bearer token');
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 401 for an expired token', async () => {
    const past = new TokenService({
      signingKey: env.signingKey,
      kid: 'test',
      issuer: 'privacy-streams',
      now: () => Date.now() - 60 * 60 * 1000,
    });
    const { accessToken } = await past.issueStreamTokens({
      clientId: 'c',
      accountId,
      stream: 'winston',
      derived: false,
    });
    const response = await ingest()(ingestRequest(eventBody(clickstreamEvent()), bearer(accessToken)));
    expect(response.statusCode).toBe(401);
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 401 for a token signed with another key', async () => {
    const forger = new TokenService({ signingKey: randomBytes(32), kid: 'test', issuer: 'privacy-streams' });
    const { accessToken } = await forger.issueStreamTokens({
      clientId: 'c',
      accountId,
      stream: 'winston',
      derived: false,
    });
    const response = await ingest()(ingestRequest(eventBody(clickstreamEvent()), bearer(accessToken)));
    expect(response.statusCode).toBe(401);
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it("answers 403 for a derived stream's credentials", async () => {
    const { stream, clientId } = await createStreamRecord(env, accountId, {
      name: 'winston-0',
      linkedStream: 'winston',
      consentLevels: [0],
      consentLevelType: 'CUMULATIVE',
    });
    const derivedToken = await streamToken(env, stream, clientId);
    const response = await ingest()(ingestRequest(eventBody(clickstreamEvent()), bearer(derivedToken)));
    expect(response.statusCode).toBe(403);
    expect(response.body).toBe('events can only be sent to a source stream');
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 403 for a disabled stream', async () => {
    const { stream, clientId } = await createStreamRecord(env, accountId, { name: 'paused', enabled: false });
    const response = await ingest()(
      ingestRequest(eventBody(clickstreamEvent()), bearer(await streamToken(env, stream, clientId))),
    );
    expect(response.statusCode).toBe(403);
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 403 for a token of a stream that was deleted', async () => {
    const ghost = { ...(await createStreamRecord(env, accountId, { name: 'ghost' })) };
    const ghostToken = await streamToken(env, ghost.stream, ghost.clientId);
    await env.streamsRepo.delete(accountId, 'ghost');
    const response = await ingest()(ingestRequest(eventBody(clickstreamEvent()), bearer(ghostToken)));
    expect(response.statusCode).toBe(403);
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 413 for a body under 1 MiB whose encrypted record would exceed the Kinesis limit', async () => {
    const big = exampleEvent({ uniqueIdentifier: 'u'.repeat(800_000) });
    const response = await newIngest(env)(ingestRequest(eventBody(big), bearer(token)));
    expect(response.statusCode).toBe(413);
    expect(response.body).toMatch(/too large once its PII fields are encrypted/);
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });

  it('answers 401 for a token of a stream that was deleted and created again under the same name', async () => {
    const accountId = randomUUID();
    const first = await createStreamRecord(env, accountId, { name: 'again' });
    const oldToken = await streamToken(env, first.stream, first.clientId);
    await env.streamsRepo.delete(accountId, 'again');
    await createStreamRecord(env, accountId, { name: 'again' });
    const response = await newIngest(env)(ingestRequest(eventBody(exampleEvent()), bearer(oldToken)));
    expect(response.statusCode).toBe(401);
    expect(await sourceEnvelopesOf(accountId)).toEqual([]);
  });
});

describe('ingest of a valid event', () => {
  it('answers 204 and puts the event on the source stream with every PII field encrypted', async () => {
    const { accountId, token } = await sourceStreamWithToken();
    const event = clickstreamEvent({ producerSessionId: 'session-a', customer: { id: 'customer-a' } });

    const response = await newIngest(env)(ingestRequest(eventBody(event), bearer(token)));

    expect(response.statusCode).toBe(204);
    const [stored, ...others] = await sourceEnvelopesOf(accountId);
    expect(others).toEqual([]);
    const { envelope, record } = stored!;
    expect(envelope).toMatchObject({
      v: 1,
      accountId,
      stream: 'winston',
      contractRef: 'streammachine/clickstream/1.0.0',
    });
    const sealed = envelope.event as {
      producerSessionId: string;
      customer: { id: string };
      url: string;
      strmMeta: Record<string, unknown>;
    };
    expect(record.partitionKey).toBe(sealed.strmMeta.keyLink);
    expect(sealed.url).toBe(event.url);
    expect(sealed.producerSessionId).not.toBe('session-a');
    expect(sealed.customer.id).not.toBe('customer-a');
    expect(sealed.strmMeta).toMatchObject({ consentLevels: [0, 1] });
    expect(Number.isInteger(sealed.strmMeta.nonce)).toBe(true);
    expect(typeof sealed.strmMeta.timestamp).toBe('number');

    // Another process opens the key link from the store and KMS alone.
    const aead = await newResolver(env).byId(String(sealed.strmMeta.keyLink));
    expect(aead?.decryptString(sealed.producerSessionId)).toBe('session-a');
    expect(aead?.decryptString(sealed.customer.id)).toBe('customer-a');
  });

  it('accepts a JSON serialization type with parameters and a base64-encoded body', async () => {
    const { accountId, token } = await sourceStreamWithToken();
    const body = Buffer.from(eventBody(exampleEvent())).toString('base64');
    const response = await newIngest(env)(
      ingestRequest(
        body,
        { ...bearer(token), 'strm-serialization-type': 'application/json; charset=utf-8' },
        true,
      ),
    );
    expect(response.statusCode).toBe(204);
    expect(await sourceEnvelopesOf(accountId)).toHaveLength(1);
  });

  it("accepts an event of the account's own contract", async () => {
    const { accountId, token } = await sourceStreamWithToken();
    await new ContractsRepo({ doc: env.dynamo, table: env.tables.contracts }).put(accountId, {
      ref: 'acme/order/1.0.0',
      keyField: 'orderId',
      piiFields: { email: 0 },
      validations: [],
    });
    const event = {
      strmMeta: { eventContractRef: 'acme/order/1.0.0', consentLevels: [0] },
      orderId: 'o-1',
      email: 'a@example.com',
    };
    const response = await newIngest(env)(ingestRequest(eventBody(event), bearer(token)));
    expect(response.statusCode).toBe(204);
    const [stored] = await sourceEnvelopesOf(accountId);
    const envelope = stored!.envelope;
    expect(envelope.event.email).not.toBe('a@example.com');
  });

  it("accepts an event of a contract created after this warm process cached the account's contracts", async () => {
    const { accountId, token } = await sourceStreamWithToken();
    const ingest = newIngest(env);
    expect((await ingest(ingestRequest(eventBody(exampleEvent()), bearer(token)))).statusCode).toBe(204);
    await new ContractsRepo({ doc: env.dynamo, table: env.tables.contracts }).put(accountId, {
      ref: 'acme/order/2.0.0',
      keyField: 'orderId',
      piiFields: { email: 0 },
      validations: [],
    });
    const event = {
      strmMeta: { eventContractRef: 'acme/order/2.0.0', consentLevels: [0] },
      orderId: 'o-2',
      email: 'b@example.com',
    };
    expect((await ingest(ingestRequest(eventBody(event), bearer(token)))).statusCode).toBe(204);
  });

  it('uses one key link for events with the same key-field value and another for a different value', async () => {
    const { accountId, token } = await sourceStreamWithToken();
    const ingest = newIngest(env);
    for (const session of ['s-1', 's-1', 's-2']) {
      const response = await ingest(
        ingestRequest(eventBody(clickstreamEvent({ producerSessionId: session })), bearer(token)),
      );
      expect(response.statusCode).toBe(204);
    }
    const links = (await sourceEnvelopesOf(accountId)).map(
      ({ envelope }) => (envelope.event.strmMeta as { keyLink: string }).keyLink,
    );
    expect(new Set(links).size).toBe(2);
  });

  it('gives a stream deleted and created again under the same name key links of its own', async () => {
    const accountId = randomUUID();
    const ingest = newIngest(env);
    // Records come back in shard order, not arrival order: find each event by its (non-PII) marker.
    const keyLinkOfNewStream = async (marker: string) => {
      const { stream, clientId } = await createStreamRecord(env, accountId, { name: 'reborn' });
      const token = await streamToken(env, stream, clientId);
      const event = exampleEvent({ notSensitiveValue: marker });
      expect((await ingest(ingestRequest(eventBody(event), bearer(token)))).statusCode).toBe(204);
      const envelopes = await sourceEnvelopesOf(accountId);
      const found = envelopes.find(({ envelope }) => envelope.event.notSensitiveValue === marker)!;
      return found.envelope.event.strmMeta as { keyLink: string };
    };
    const before = await keyLinkOfNewStream('before');
    await env.streamsRepo.delete(accountId, 'reborn');
    await new Promise((r) => setTimeout(r, 5)); // a later creation time
    const after = await keyLinkOfNewStream('after');
    expect(after.keyLink).not.toBe(before.keyLink);
  });

  it('makes concurrent ingest processes agree on one key link for the same key-field value', async () => {
    const { accountId, token } = await sourceStreamWithToken();
    const processes = Array.from({ length: 4 }, () => newIngest(env));
    const responses = await Promise.all(
      processes.flatMap((ingest) =>
        [1, 2].map(() =>
          ingest(ingestRequest(eventBody(clickstreamEvent({ producerSessionId: 'shared' })), bearer(token))),
        ),
      ),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(Array(8).fill(204));
    const links = (await sourceEnvelopesOf(accountId)).map(
      ({ envelope }) => (envelope.event.strmMeta as { keyLink: string }).keyLink,
    );
    expect(links).toHaveLength(8);
    expect(new Set(links).size).toBe(1);
  });

  it("indexes the key link under the event's data subject", async () => {
    const { accountId, token } = await sourceStreamWithToken();
    const event = clickstreamEvent({ producerSessionId: 'subject-session', customer: { id: 'customer-77' } });
    await newIngest(env)(ingestRequest(eventBody(event), bearer(token)));
    const [stored] = await sourceEnvelopesOf(accountId);
    const envelope = stored!.envelope;

    const store = new DynamoKeyLinkStore({ doc: env.dynamo, table: env.tables.keyLinks });
    const subjectHash = keyedHash(env.lookupSecret, accountId, 'customer-77');
    expect(await store.listByDataSubject(accountId, subjectHash)).toEqual([
      (envelope.event.strmMeta as { keyLink: string }).keyLink,
    ]);
  });
});
