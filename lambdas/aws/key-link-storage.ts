import { KeyLinkResolver } from '../core/key-links';
import { dynamoDocumentClient, kmsClient } from './clients';
import { requiredEnv } from './config';
import { DynamoKeyLinkStore } from './key-link-store';
import { KmsKeyEncryptionKeys } from './kms-key-encryption-keys';

/** Where key links and their key-encryption keys live, from KEY_LINKS_TABLE and KMS_KEY_ID. */
export function keyLinkStorageFromEnv(): { store: DynamoKeyLinkStore; keks: KmsKeyEncryptionKeys } {
  const doc = dynamoDocumentClient();
  const table = requiredEnv('KEY_LINKS_TABLE');
  return {
    store: new DynamoKeyLinkStore({ doc, table }),
    keks: new KmsKeyEncryptionKeys({
      doc,
      kms: kmsClient(),
      table,
      kmsKeyId: requiredEnv('KMS_KEY_ID'),
    }),
  };
}

/**
 * The data path's key links (ingest, decrypter): the store, its KEKs, and the store's deletion log polled
 * so that a shredded link stops being used within a second.
 */
export function keyLinkResolverFromEnv(lookupSecret: Uint8Array): KeyLinkResolver {
  const { store, keks } = keyLinkStorageFromEnv();
  return new KeyLinkResolver({ store, keks, deletions: store, lookupSecret });
}
