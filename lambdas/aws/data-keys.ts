import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';

/**
 * 32-byte KMS data keys, the pieces of the key hierarchy kept in tables (KEKs, system secrets): the plaintext
 * stays in memory, only the `CiphertextBlob` bound to an encryption context is stored.
 */
export interface KmsDataKeys {
  kms: KMSClient;
  kmsKeyId: string;
}

export async function generateDataKey(
  { kms, kmsKeyId }: KmsDataKeys,
  context: Record<string, string>,
): Promise<{ plaintext: Uint8Array; blob: Uint8Array }> {
  const generated = await kms.send(
    new GenerateDataKeyCommand({ KeyId: kmsKeyId, KeySpec: 'AES_256', EncryptionContext: context }),
  );
  if (!generated.Plaintext || !generated.CiphertextBlob)
    throw new Error('KMS GenerateDataKey returned no key');
  return { plaintext: new Uint8Array(generated.Plaintext), blob: new Uint8Array(generated.CiphertextBlob) };
}

export async function decryptDataKey(
  { kms, kmsKeyId }: KmsDataKeys,
  blob: Uint8Array,
  context: Record<string, string>,
): Promise<Uint8Array> {
  const decrypted = await kms.send(
    new DecryptCommand({ KeyId: kmsKeyId, CiphertextBlob: blob, EncryptionContext: context }),
  );
  if (!decrypted.Plaintext) throw new Error('KMS Decrypt returned no key');
  return new Uint8Array(decrypted.Plaintext);
}
