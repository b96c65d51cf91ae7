import { NotFoundError } from '../../core/errors';
import { isScopeOwnedBy } from '../../core/key-link-scope';
import { type KeyLinkRecord, openKeyLink } from '../../core/key-links';
import { toTinkJsonKeyset } from '../../core/tink-keyset';
import type { ManagementPorts } from './ports';

/** An exported key link: its key as a Tink JSON keyset, which decrypts what the link encrypted. */
export interface ExportedKeyLink {
  keyLinkId: string;
  /** ISO 8601. */
  createdAt: string;
  /** End of the period in which new events used it (ISO 8601). */
  expiresAt: string;
  keyset: string;
}

/** A key link whose scope names the caller's account; another account's, or none, is the same 404. */
async function ownKeyLink(
  ports: Pick<ManagementPorts, 'keyLinks'>,
  accountId: string,
  keyLinkId: string,
): Promise<KeyLinkRecord> {
  const link = await ports.keyLinks.getById(keyLinkId);
  if (!link || !isScopeOwnedBy(link.scope, accountId)) throw new NotFoundError('key link not found');
  return link;
}

/** `GET /v1/key-links/{id}`: key export for the account that owns the key link. */
export async function exportKeyLink(
  ports: Pick<ManagementPorts, 'keyLinks' | 'keks' | 'audit'>,
  accountId: string,
  keyLinkId: string,
): Promise<ExportedKeyLink> {
  const link = await ownKeyLink(ports, accountId, keyLinkId);
  const key = await openKeyLink(link, ports.keks);
  ports.audit.info('key link exported', { accountId, keyLinkId: link.keyLinkId });
  return {
    keyLinkId: link.keyLinkId,
    createdAt: new Date(link.createdAt).toISOString(),
    expiresAt: new Date(link.expiresAt).toISOString(),
    keyset: toTinkJsonKeyset(key),
  };
}

/** `DELETE /v1/key-links/{id}`: crypto-shreds one key link of the caller's account. */
export async function deleteKeyLink(
  ports: Pick<ManagementPorts, 'keyLinks' | 'audit'>,
  accountId: string,
  keyLinkId: string,
): Promise<void> {
  const link = await ownKeyLink(ports, accountId, keyLinkId);
  await ports.keyLinks.deleteById(link.keyLinkId);
  ports.audit.info('key link deleted', { accountId, keyLinkId: link.keyLinkId });
}

/** A key link's dates, without its key. */
export type KeyLinkMetadata = Omit<ExportedKeyLink, 'keyset'>;

/**
 * `GET /v1/key-links/{id}/metadata`: when the key link was created and until when new events used it, for
 * the account that owns it. Unlike the export, the key stays where it is (nothing is unwrapped or logged
 * as exported), so a console can list the key links it has seen.
 */
export async function describeKeyLink(
  ports: Pick<ManagementPorts, 'keyLinks'>,
  accountId: string,
  keyLinkId: string,
): Promise<KeyLinkMetadata> {
  const link = await ownKeyLink(ports, accountId, keyLinkId);
  return {
    keyLinkId: link.keyLinkId,
    createdAt: new Date(link.createdAt).toISOString(),
    expiresAt: new Date(link.expiresAt).toISOString(),
  };
}
