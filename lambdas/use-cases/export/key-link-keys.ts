import { isScopeOwnedBy } from '../../core/key-link-scope';
import { type KeyEncryptionKeys, type KeyLinkStore, openKeyLink } from '../../core/key-links';
import { toTinkJsonKeyset } from '../../core/tink-keyset';
import type { KeyLinkKeys } from './ports';

/** Key links as a key stream exports them: the key as a Tink JSON keyset, only for the owning account. */
export class StoredKeyLinkKeys implements KeyLinkKeys {
  constructor(
    private readonly deps: { store: Pick<KeyLinkStore, 'getById'>; keks: Pick<KeyEncryptionKeys, 'byId'> },
  ) {}

  async exportKey(accountId: string, keyLinkId: string) {
    const link = await this.deps.store.getById(keyLinkId);
    if (!link || !isScopeOwnedBy(link.scope, accountId)) return undefined;
    const key = await openKeyLink(link, this.deps.keks);
    return { keyset: toTinkJsonKeyset(key), createdAt: link.createdAt, expiresAt: link.expiresAt };
  }
}
