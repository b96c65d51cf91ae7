import { KeyLinkIntegrityError, type KeyLinkRecord, openKeyLink } from '../../../lambdas/core/key-links';
import { wrapKey } from '../../../lambdas/core/key-wrap';
import { generateTinkAesSivKey } from '../../../lambdas/core/tink-daead';
import { InMemoryKeyEncryptionKeys } from '../../support/fakes/in-memory-key-link-store';
import { testScope } from '../../support/key-link-scopes';

const SCOPE = testScope('account-1');

async function wrappedLink(keks: InMemoryKeyEncryptionKeys, keyLinkId = 'link-1') {
  const key = generateTinkAesSivKey();
  const { kekId, kek } = await keks.current(SCOPE, 0);
  const record: KeyLinkRecord = {
    keyLinkId,
    scope: SCOPE,
    keyHash: 'hash',
    keyId: key.keyId,
    wrappedKey: wrapKey(kek, keyLinkId, key.keyValue),
    kekId,
    createdAt: 0,
    expiresAt: 1,
  };
  return { key, record };
}

describe('openKeyLink', () => {
  it('unwraps the key of a stored key link with its key-encryption key', async () => {
    // Prepare
    const keks = new InMemoryKeyEncryptionKeys();
    const { key, record } = await wrappedLink(keks);
    // Act
    const opened = await openKeyLink(record, keks);
    // Assess
    expect(opened.keyId).toBe(key.keyId);
    expect(Buffer.from(opened.keyValue).equals(Buffer.from(key.keyValue))).toBe(true);
  });

  it('throws KeyLinkIntegrityError when the key-encryption key is missing', async () => {
    // Prepare
    const keks = new InMemoryKeyEncryptionKeys();
    const { record } = await wrappedLink(keks);
    // Act
    const opening = openKeyLink({ ...record, kekId: 'kek-gone' }, keks);
    // Assess
    await expect(opening).rejects.toThrow(
      new KeyLinkIntegrityError('link-1', 'its key-encryption key is missing'),
    );
  });

  it('throws KeyLinkIntegrityError when the wrapped key belongs to another key link id', async () => {
    // Prepare
    const keks = new InMemoryKeyEncryptionKeys();
    const { record } = await wrappedLink(keks);
    // Act
    const opening = openKeyLink({ ...record, keyLinkId: 'link-2' }, keks);
    // Assess
    await expect(opening).rejects.toThrow(
      new KeyLinkIntegrityError('link-2', 'the wrapped key does not verify'),
    );
  });
});
