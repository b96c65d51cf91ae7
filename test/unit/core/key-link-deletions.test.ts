import { randomBytes } from 'node:crypto';
import { ServiceUnavailableError } from '../../../lambdas/core/errors';
import { type KeyLinkRecord, KeyLinkResolver } from '../../../lambdas/core/key-links';
import { textError } from '../../../lambdas/http/responses';
import {
  InMemoryKeyEncryptionKeys,
  InMemoryKeyLinkStore,
} from '../../support/fakes/in-memory-key-link-store';
import { testScope } from '../../support/key-link-scopes';

/**
 * A shredded key link stops being used in a warm process within one poll of the deletion log (1 s), not
 * only when its cache entry expires (30 s), and without a store read per event: the resolver reads the
 * log at most once a second, however many events it serves.
 */
const SCOPE = testScope('account-1', 'winston');

function setup() {
  const clock = { now: 1_700_000_000_000 };
  const store = new InMemoryKeyLinkStore({ now: () => clock.now });
  const keks = new InMemoryKeyEncryptionKeys();
  const resolver = new KeyLinkResolver({
    store,
    keks,
    deletions: store,
    lookupSecret: randomBytes(32),
    now: () => clock.now,
  });
  return { store, clock, resolver };
}

describe('crypto-shredding in a warm process', () => {
  it('stops decrypting a deleted key link at the next poll of the deletion log, a second later', async () => {
    // Prepare
    const { store, clock, resolver } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    expect(await resolver.byId(keyLinkId)).toBeDefined();
    // Act: deleted by another process (management), after which a second passes
    await store.deleteById(keyLinkId);
    clock.now += 1001;
    const aead = await resolver.byId(keyLinkId);
    // Assess
    expect(aead).toBeUndefined();
  });

  it('seals the next event of the same value under a new key link a second after the deletion', async () => {
    // Prepare
    const { store, clock, resolver } = setup();
    const first = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    await store.deleteById(first.keyLinkId);
    clock.now += 1001;
    // Act
    const next = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    // Assess
    expect(next.keyLinkId).not.toBe(first.keyLinkId);
    expect(store.links.has(next.keyLinkId)).toBe(true);
  });

  it('reads the deletion log at most once a second, however many events it serves', async () => {
    // Prepare
    const { store, clock, resolver } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    // Act
    for (let i = 0; i < 1000; i++) {
      await resolver.byId(keyLinkId);
      await resolver.forKeyFieldValue(SCOPE, 'session-1');
      clock.now += 1;
    }
    // Assess: 1 s of events, plus the first read
    expect(store.deletionLogReads).toBeLessThanOrEqual(2);
  });

  it('shares one read of the deletion log between concurrent lookups', async () => {
    // Prepare
    const { store, resolver } = setup();
    // Act
    await Promise.all(Array.from({ length: 20 }, (_, i) => resolver.forKeyFieldValue(SCOPE, `session-${i}`)));
    // Assess
    expect(store.deletionLogReads).toBe(1);
  });

  it('refuses a link the log names even while the store still has it (deletion half done)', async () => {
    // Prepare
    const { store, clock, resolver } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    const kept: KeyLinkRecord = { ...store.links.get(keyLinkId)! };
    await store.deleteById(keyLinkId);
    store.links.set(keyLinkId, kept);
    clock.now += 1001;
    // Act
    const aead = await resolver.byId(keyLinkId);
    // Assess
    expect(aead).toBeUndefined();
  });

  it('sees a deletion logged with a clock a few seconds behind its own', async () => {
    // Prepare
    const { store, clock, resolver } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    clock.now += 5000;
    await resolver.byId(keyLinkId);
    // Act: the deleting process's clock is 3 s behind
    clock.now -= 3000;
    await store.deleteById(keyLinkId);
    clock.now += 3000 + 1001;
    const aead = await resolver.byId(keyLinkId);
    // Assess
    expect(aead).toBeUndefined();
  });
});

describe('an event for a value whose current key link is being deleted', () => {
  it('fails with a 503 that says to retry (Retry-After), not an internal error', async () => {
    // Prepare: the deletion is logged, the store's pointer still names the link (deletion half done)
    const { store, clock, resolver } = setup();
    const { keyLinkId } = await resolver.forKeyFieldValue(SCOPE, 'session-1');
    const kept: KeyLinkRecord = { ...store.links.get(keyLinkId)! };
    await store.deleteById(keyLinkId);
    store.createIfAbsent = async () => kept;
    clock.now += 1001;
    // Act
    const error = await resolver.forKeyFieldValue(SCOPE, 'session-1').catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ code: 'key_link_being_deleted', retryAfterSeconds: 1 });
    const response = textError(error);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBe('1');
    expect(response.body).toBe('the current key link is being deleted; retry');
  });
});
