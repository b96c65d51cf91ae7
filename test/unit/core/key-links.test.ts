import { randomBytes } from 'node:crypto';
import { DecryptionError } from '../../../lambdas/core/errors';
import { KeyLinkIntegrityError, KeyLinkResolver } from '../../../lambdas/core/key-links';
import { unwrapKey } from '../../../lambdas/core/key-wrap';
import { keyedHash } from '../../../lambdas/core/keyed-hash';
import { TinkDeterministicAead } from '../../../lambdas/core/tink-daead';
import {
  InMemoryKeyEncryptionKeys,
  InMemoryKeyLinkStore,
} from '../../support/fakes/in-memory-key-link-store';
import { testScope } from '../../support/key-link-scopes';

const SCOPE = testScope('account-1', 'winston');
const HOUR = 60 * 60 * 1000;

function setup(options: { rotationMs?: number; cacheTtlMs?: number } = {}) {
  const store = new InMemoryKeyLinkStore();
  const keks = new InMemoryKeyEncryptionKeys();
  const lookupSecret = randomBytes(32);
  const clock = { now: 1_700_000_000_000 };
  const newResolver = () =>
    new KeyLinkResolver({ store, keks, lookupSecret, now: () => clock.now, ...options });
  return { store, keks, lookupSecret, clock, resolver: newResolver(), newResolver };
}

describe('KeyLinkResolver.forKeyFieldValue', () => {
  it('creates a key link for the first event of a value', async () => {
    const { store, resolver, clock } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    const record = store.links.get(keyLinkId)!;
    expect(keyLinkId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(record.createdAt).toBe(clock.now);
    expect(record.expiresAt).toBe(clock.now + 24 * HOUR);
    expect(record.scope).toBe(SCOPE);
  });

  it('reuses the key link for the same value within the rotation period', async () => {
    const { store, resolver, clock } = setup();
    const first = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    clock.now += 23 * HOUR;
    const second = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    expect(second.keyLinkId).toBe(first.keyLinkId);
    expect(second.aead.encryptString('x')).toBe(first.aead.encryptString('x'));
    expect(store.links.size).toBe(1);
  });

  it('reuses a key link created by another process on the same store', async () => {
    const { resolver, newResolver } = setup();
    const first = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    const other = await newResolver().forKeyFieldValue(SCOPE, 'session-1');
    expect(other.keyLinkId).toBe(first.keyLinkId);
    expect(other.aead.decryptString(first.aead.encryptString('customer-1'))).toBe('customer-1');
  });

  it('creates a new key link once the period has expired', async () => {
    const { resolver, clock } = setup();
    const first = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    clock.now += 24 * HOUR;
    const second = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    expect(second.keyLinkId).not.toBe(first.keyLinkId);
    expect(second.aead.encryptString('x')).not.toBe(first.aead.encryptString('x'));
  });

  it('honours a per-call rotation period for the link it creates', async () => {
    const { store, resolver, clock } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1', { rotationMs: HOUR });
    expect(store.links.get(keyLinkId)!.expiresAt).toBe(clock.now + HOUR);
    clock.now += HOUR;
    expect((await resolver.forKeyFieldValue(SCOPE, 'session-1')).keyLinkId).not.toBe(keyLinkId);
  });

  it('gives different values different key links', async () => {
    const { resolver } = setup();
    const a = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    const b = await resolver.forKeyFieldValue(SCOPE, 'session-2');
    expect(a.keyLinkId).not.toBe(b.keyLinkId);
    expect(a.aead.keyId).not.toBe(b.aead.keyId);
  });

  it('gives the same value in another scope another key link', async () => {
    const { resolver } = setup();
    const a = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    const b = await resolver.forKeyFieldValue(testScope('account-2', 'winston'), 'session-1');
    expect(a.keyLinkId).not.toBe(b.keyLinkId);
  });

  it('lets two processes racing for the same value agree on one key link', async () => {
    const { store, newResolver } = setup();
    const [one, two] = [newResolver(), newResolver()];
    const values = ['session-1', 'session-2', 'session-3'];
    const results = await Promise.all(
      values.flatMap((v) => [one.forKeyFieldValue(SCOPE, v), two.forKeyFieldValue(SCOPE, v)]),
    );
    for (let i = 0; i < values.length; i++) {
      const [a, b] = [results[2 * i], results[2 * i + 1]];
      expect(a.keyLinkId).toBe(b.keyLinkId);
      expect(b.aead.decryptString(a.aead.encryptString('pii'))).toBe('pii');
    }
    expect(store.createCalls).toBe(2 * values.length); // both really tried to create
    expect(store.links.size).toBe(values.length); // and only one link per value was stored
  });

  it('shares one creation among concurrent requests for a value in one process', async () => {
    const { store, resolver } = setup();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => resolver.forKeyFieldValue(SCOPE, 'session-1')),
    );
    expect(new Set(results.map((r) => r.keyLinkId)).size).toBe(1);
    expect(store.createCalls).toBe(1);
  });

  it('never lets the store see the plain key-field value', async () => {
    const { store, resolver, lookupSecret } = setup();
    const value = 'jane.doe@example.com';
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, value);
    await resolver.byId(keyLinkId);
    const seen = JSON.stringify(store.observedArguments, (_key, v) =>
      v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
    );
    expect(seen).not.toContain(value);
    expect(store.links.get(keyLinkId)!.keyHash).toBe(keyedHash(lookupSecret, SCOPE, value, ''));
  });

  it('stores the data subject hash it is given', async () => {
    const { store, resolver } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1', {
      dataSubjectHash: 'subject-hash',
    });
    expect(store.links.get(keyLinkId)!.dataSubjectHash).toBe('subject-hash');
  });

  it('gives each data subject of one key-field value a key link of its own', async () => {
    // A session that starts anonymous and logs in, or a shared device: forgetting one subject must shred
    // exactly that subject's events.
    const { store, resolver } = setup();
    const alice = await resolver.forKeyFieldValue(SCOPE, 'session-1', { dataSubjectHash: 'alice' });
    const bob = await resolver.forKeyFieldValue(SCOPE, 'session-1', { dataSubjectHash: 'bob' });
    const aliceAgain = await resolver.forKeyFieldValue(SCOPE, 'session-1', { dataSubjectHash: 'alice' });
    expect(bob.keyLinkId).not.toBe(alice.keyLinkId);
    expect(aliceAgain.keyLinkId).toBe(alice.keyLinkId);
    expect(store.links.get(alice.keyLinkId)!.dataSubjectHash).toBe('alice');
    expect(store.links.get(bob.keyLinkId)!.dataSubjectHash).toBe('bob');
  });
});

describe('wrapped keys in the store', () => {
  it('unwrap only with the right key-encryption key and key link id', async () => {
    const { store, keks, resolver } = setup();
    const { keyLinkId, aead } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    const record = store.links.get(keyLinkId)!;
    const kek = keks.kek(SCOPE, record.kekId)!;

    const keyValue = unwrapKey(kek, keyLinkId, record.wrappedKey);
    const reopened = new TinkDeterministicAead({ keyId: record.keyId, keyValue });
    expect(reopened.decryptString(aead.encryptString('pii'))).toBe('pii');

    expect(() => unwrapKey(randomBytes(32), keyLinkId, record.wrappedKey)).toThrow(DecryptionError);
    const { keyLinkId: otherId } = await resolver.forKeyFieldValue(SCOPE, 'session-2');
    expect(() => unwrapKey(kek, otherId, record.wrappedKey)).toThrow(DecryptionError);
  });

  it('keep opening after the key-encryption key rotates', async () => {
    const { keks, resolver, newResolver } = setup();
    const { keyLinkId, aead } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    keks.rotate(SCOPE);
    const reopened = await newResolver().byId(keyLinkId);
    expect(reopened!.decryptString(aead.encryptString('pii'))).toBe('pii');
  });
});

describe('KeyLinkResolver.byId', () => {
  it('opens a key link created elsewhere, also after it stopped being current', async () => {
    const { resolver, newResolver, clock } = setup();
    const { keyLinkId, aead } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    clock.now += 48 * HOUR;
    const opened = await newResolver().byId(keyLinkId);
    expect(opened!.decryptString(aead.encryptString('customer-1'))).toBe('customer-1');
  });

  it('returns undefined for an unknown key link', async () => {
    expect(await setup().resolver.byId('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('returns undefined once the key link is deleted and forgotten (crypto-shredding)', async () => {
    const { store, resolver } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    await store.deleteById(keyLinkId);
    resolver.forget(keyLinkId);
    expect(await resolver.byId(keyLinkId)).toBeUndefined();
  });

  it('stops serving a deleted key link from its cache after the cache lifetime', async () => {
    const { store, resolver, clock } = setup({ cacheTtlMs: 60_000 });
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    await store.deleteById(keyLinkId);
    expect(await resolver.byId(keyLinkId)).toBeDefined(); // still cached in this warm process
    clock.now += 60_000;
    expect(await resolver.byId(keyLinkId)).toBeUndefined();
  });

  it('makes another warm process stop using a deleted key link within the default cache lifetime (30 s)', async () => {
    const { store, resolver, newResolver, clock } = setup();
    const warm = newResolver();
    const { keyLinkId } = await warm.forKeyFieldValue(SCOPE, 'session-1');
    await resolver.byId(keyLinkId);
    await store.deleteById(keyLinkId); // e.g. the management API, in a third process
    clock.now += 30_000;
    expect((await warm.forKeyFieldValue(SCOPE, 'session-1')).keyLinkId).not.toBe(keyLinkId);
    expect(await resolver.byId(keyLinkId)).toBeUndefined();
  });

  it('asks the store once for a shredded key link, however often and late its events come', async () => {
    // Prepare
    const { store, resolver, clock } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    await store.deleteById(keyLinkId);
    resolver.forget(keyLinkId);
    // Act
    const first = await resolver.byId(keyLinkId);
    clock.now += 24 * HOUR;
    const later = await Promise.all([resolver.byId(keyLinkId), resolver.byId(keyLinkId)]);
    // Assess
    expect([first, ...later]).toEqual([undefined, undefined, undefined]);
    expect(store.manyReads).toEqual([1]);
  });

  it('makes the next event of a shredded value get a new key link', async () => {
    const { store, resolver } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    await store.deleteById(keyLinkId);
    resolver.forget(keyLinkId);
    expect((await resolver.forKeyFieldValue(SCOPE, 'session-1')).keyLinkId).not.toBe(keyLinkId);
  });

  it('fails with an integrity error (not a client error) when the key-encryption key is gone', async () => {
    const { store, resolver, newResolver } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    store.links.set(keyLinkId, { ...store.links.get(keyLinkId)!, kekId: 'kek-missing' });
    await expect(newResolver().byId(keyLinkId)).rejects.toThrow(KeyLinkIntegrityError);
  });
});
