import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DecryptionError, ValidationError } from './errors';

const IV_SIZE = 12;
const TAG_SIZE = 16;
const KEK_SIZE = 32;

function assertKek(kek: Uint8Array): void {
  if (kek.length !== KEK_SIZE)
    throw new ValidationError(`key-encryption key must be ${KEK_SIZE} bytes`, 'invalid_key');
}

/**
 * Wraps a data key under a key-encryption key with AES-256-GCM (random 12-byte IV), binding it to its key
 * link id as associated data so a wrapped key cannot be moved to another link. Returns iv ‖ ct ‖ tag.
 */
export function wrapKey(kek: Uint8Array, keyLinkId: string, key: Uint8Array): Buffer {
  assertKek(kek);
  const iv = randomBytes(IV_SIZE);
  const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_SIZE });
  cipher.setAAD(Buffer.from(keyLinkId, 'utf8'));
  return Buffer.concat([iv, cipher.update(key), cipher.final(), cipher.getAuthTag()]);
}

/** Unwraps iv ‖ ct ‖ tag from wrapKey; DecryptionError on a wrong KEK, wrong key link id, or any tampering. */
export function unwrapKey(kek: Uint8Array, keyLinkId: string, wrapped: Uint8Array): Buffer {
  assertKek(kek);
  if (wrapped.length < IV_SIZE + TAG_SIZE)
    throw new DecryptionError('wrapped key too short', 'ciphertext_too_short');
  const decipher = createDecipheriv('aes-256-gcm', kek, wrapped.subarray(0, IV_SIZE), {
    authTagLength: TAG_SIZE,
  });
  decipher.setAAD(Buffer.from(keyLinkId, 'utf8'));
  decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_SIZE));
  const plain = decipher.update(wrapped.subarray(IV_SIZE, wrapped.length - TAG_SIZE));
  try {
    return Buffer.concat([plain, decipher.final()]);
  } catch {
    plain.fill(0);
    throw new DecryptionError('wrapped key failed authentication');
  }
}
