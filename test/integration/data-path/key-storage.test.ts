import { randomBytes, randomUUID } from 'node:crypto';
import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoKeyLinkStore } from '../../../lambdas/aws/key-link-store';
import { KmsKeyEncryptionKeys } from '../../../lambdas/aws/kms-key-encryption-keys';
import type { KeyLinkRecord } from '../../../lambdas/core/key-links';
import { testScope } from '../../support/key-link-scopes';
import { type DataPathEnv, startDataPathEnv } from './data-path-env';

let env: DataPathEnv;

beforeAll(async () => {
  env = await startDataPathEnv();
});

afterAll(async () => {
  await env.close();
});

const HOUR = 60 * 60 * 1000;
const T0 = Date.UTC(2030, 0, 1);

function store() {
  return new DynamoKeyLinkStore({ doc: env.dynamo, table: env.tables.keyLinks });
}

function candidate(overrides: Partial<KeyLinkRecord> = {}): KeyLinkRecord {
  return {
    keyLinkId: randomUUID(),
    scope: testScope(randomUUID(), 'demo'),
    keyHash: 'hash-1',
    keyId: 123456,
    wrappedKey: randomBytes(92),
    kekId: 'kek-1',
    createdAt: T0,
    expiresAt: T0 + 24 * HOUR,
    ...overrides,
  };
}

describe('DynamoKeyLinkStore', () => {
  it('installs the first candidate and finds it as current while it is live', async () => {
    const link = candidate();
    expect(await store().createIfAbsent(link, T0)).toEqual(link);
    expect(await store().findCurrent(link.scope, link.keyHash, T0 + HOUR)).toEqual(link);
    expect(await store().findCurrent(link.scope, link.keyHash, link.expiresAt)).toBeUndefined();
  });

  it('returns the live winner to a later candidate and removes the loser', async () => {
    const first = candidate();
    const second = candidate({ scope: first.scope });
    await store().createIfAbsent(first, T0);
    expect((await store().createIfAbsent(second, T0 + 1)).keyLinkId).toBe(first.keyLinkId);
    expect(await store().getById(second.keyLinkId)).toBeUndefined();
  });

  it('lets concurrent candidates agree on exactly one link', async () => {
    const scope = testScope(randomUUID(), 'demo');
    const winners = await Promise.all(
      Array.from({ length: 8 }, () => store().createIfAbsent(candidate({ scope }), T0)),
    );
    expect(new Set(winners.map((w) => w.keyLinkId)).size).toBe(1);
  });

  it('replaces an expired current link and keeps the old one readable by id', async () => {
    const old = candidate();
    await store().createIfAbsent(old, T0);
    const next = candidate({
      scope: old.scope,
      createdAt: old.expiresAt,
      expiresAt: old.expiresAt + 24 * HOUR,
    });
    expect((await store().createIfAbsent(next, old.expiresAt)).keyLinkId).toBe(next.keyLinkId);
    expect(await store().getById(old.keyLinkId)).toEqual(old);
  });

  it('stores the pointer expiry in epoch seconds and gives the link item no TTL attribute', async () => {
    const link = candidate();
    await store().createIfAbsent(link, T0);
    const pointer = await env.dynamo.send(
      new GetCommand({
        TableName: env.tables.keyLinks,
        Key: { pk: `current#${link.scope}#${link.keyHash}`, sk: 'current' },
      }),
    );
    expect(pointer.Item?.expiresAt).toBe(link.expiresAt / 1000);
    const item = await env.dynamo.send(
      new GetCommand({ TableName: env.tables.keyLinks, Key: { pk: `link#${link.keyLinkId}`, sk: 'link' } }),
    );
    expect(item.Item?.expiresAt).toBeUndefined();
  });

  it('deletes a link with its pointer, so the value gets a new link', async () => {
    const link = candidate();
    await store().createIfAbsent(link, T0);
    expect(await store().deleteById(link.keyLinkId)).toBe(true);
    expect(await store().getById(link.keyLinkId)).toBeUndefined();
    expect(await store().findCurrent(link.scope, link.keyHash, T0)).toBeUndefined();
    const replacement = candidate({ scope: link.scope });
    expect((await store().createIfAbsent(replacement, T0)).keyLinkId).toBe(replacement.keyLinkId);
    expect(await store().deleteById(link.keyLinkId)).toBe(false);
  });

  it('logs each deletion (after removing the pointer) so other processes can drop the link from their caches', async () => {
    const deletedAt = Date.now() + 365 * 24 * HOUR; // a time no other test's deletion has
    const repo = new DynamoKeyLinkStore({
      doc: env.dynamo,
      table: env.tables.keyLinks,
      now: () => deletedAt,
    });
    const link = candidate();
    await repo.createIfAbsent(link, T0);
    expect(await repo.deletedSince(deletedAt)).toEqual([]);

    expect(await repo.deleteById(link.keyLinkId)).toBe(true);

    expect(await repo.deletedSince(deletedAt - 1)).toEqual([{ keyLinkId: link.keyLinkId, deletedAt }]);
    expect(await repo.deletedSince(deletedAt + 1)).toEqual([]);
    const { Item } = await env.dynamo.send(
      new GetCommand({
        TableName: env.tables.keyLinks,
        Key: { pk: 'deleted-links', sk: `${String(deletedAt).padStart(15, '0')}#${link.keyLinkId}` },
      }),
    );
    expect(Item?.expiresAt).toBe(Math.ceil(deletedAt / 1000) + 24 * 60 * 60);
  });

  it('reads many links by id in one batch read, leaving out the ids it does not have', async () => {
    const links = Array.from({ length: 3 }, () => candidate({ scope: testScope(randomUUID(), 'demo') }));
    for (const link of links) await store().createIfAbsent(link, T0);
    await store().deleteById(links[1]!.keyLinkId);
    const found = await store().getManyById([...links.map((link) => link.keyLinkId), randomUUID()]);
    expect([...found.keys()].sort()).toEqual([links[0]!.keyLinkId, links[2]!.keyLinkId].sort());
    expect(found.get(links[0]!.keyLinkId)).toEqual(links[0]);
  });

  it('reads 100 links in one batch read', async () => {
    const links = Array.from({ length: 100 }, () => candidate({ scope: testScope(randomUUID(), 'demo') }));
    for (const link of links) await store().createIfAbsent(link, T0);
    const found = await store().getManyById(links.map((link) => link.keyLinkId));
    expect(found.size).toBe(100);
  });

  it('lists and shreds the links of a data subject', async () => {
    const accountId = randomUUID();
    const a = candidate({ scope: testScope(accountId, 'demo'), keyHash: 'a', dataSubjectHash: 'subject-x' });
    const b = candidate({ scope: testScope(accountId, 'other'), keyHash: 'b', dataSubjectHash: 'subject-x' });
    const unrelated = candidate({
      scope: testScope(accountId, 'demo'),
      keyHash: 'c',
      dataSubjectHash: 'subject-y',
    });
    for (const link of [a, b, unrelated]) await store().createIfAbsent(link, T0);

    expect((await store().listByDataSubject(accountId, 'subject-x')).sort()).toEqual(
      [a.keyLinkId, b.keyLinkId].sort(),
    );
    expect((await store().deleteByDataSubject(accountId, 'subject-x')).sort()).toEqual(
      [a.keyLinkId, b.keyLinkId].sort(),
    );
    expect(await store().listByDataSubject(accountId, 'subject-x')).toEqual([]);
    expect(await store().getById(unrelated.keyLinkId)).toEqual(unrelated);
  });
});

describe('KmsKeyEncryptionKeys', () => {
  function keks(kms: KMSClient = env.kms) {
    return new KmsKeyEncryptionKeys({
      doc: env.dynamo,
      kms,
      table: env.tables.keyLinks,
      kmsKeyId: env.kmsKeyId,
    });
  }

  function countingKms(): { kms: KMSClient; calls: string[] } {
    const calls: string[] = [];
    const kms = env.kms;
    const counted = Object.create(kms) as KMSClient;
    counted.send = ((command: { constructor: { name: string } }) => {
      calls.push(command.constructor.name);
      return (kms.send as (c: unknown) => Promise<unknown>)(command);
    }) as KMSClient['send'];
    return { kms: counted, calls };
  }

  it('creates one 32-byte KEK per scope and serves it from memory afterwards', async () => {
    const { kms, calls } = countingKms();
    const keys = keks(kms);
    const scope = testScope(randomUUID(), 'demo');
    const first = await keys.current(scope, T0);
    const again = await keys.current(scope, T0 + HOUR);
    expect(first.kek).toHaveLength(32);
    expect(again).toEqual(first);
    expect(await keys.byId(scope, first.kekId)).toEqual(first.kek);
    expect(calls).toEqual(['GenerateDataKeyCommand']);
  });

  it('gives another process the same current KEK, decrypted once through KMS', async () => {
    const scope = testScope(randomUUID(), 'demo');
    const first = await keks().current(scope, T0);
    const { kms, calls } = countingKms();
    const other = keks(kms);
    expect(await other.current(scope, T0 + HOUR)).toEqual(first);
    expect(await other.byId(scope, first.kekId)).toEqual(first.kek);
    expect(calls).toEqual(['DecryptCommand']);
  });

  it('rotates the current KEK after 24 hours and still opens the old one by id', async () => {
    const scope = testScope(randomUUID(), 'demo');
    const old = await keks().current(scope, T0);
    const rotated = await keks().current(scope, T0 + 25 * HOUR);
    expect(rotated.kekId).not.toBe(old.kekId);
    expect(await keks().byId(scope, old.kekId)).toEqual(old.kek);
  });

  it('binds the stored KEK to its scope and id (KMS refuses another encryption context)', async () => {
    const scope = testScope(randomUUID(), 'demo');
    const { kekId } = await keks().current(scope, T0);
    const { Item } = await env.dynamo.send(
      new GetCommand({ TableName: env.tables.keyLinks, Key: { pk: `kek#${scope}`, sk: `kek#${kekId}` } }),
    );
    expect(Item?.expiresAt).toBeUndefined();
    await expect(
      env.kms.send(
        new DecryptCommand({
          CiphertextBlob: Item?.wrappedKek,
          EncryptionContext: { scope: testScope(randomUUID(), 'demo'), kekId },
        }),
      ),
    ).rejects.toThrow();
  });

  it('answers undefined for an unknown KEK id', async () => {
    expect(await keks().byId(testScope(randomUUID(), 'demo'), 'no-such-kek')).toBeUndefined();
  });
});
