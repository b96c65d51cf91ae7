import { randomBytes } from 'node:crypto';
import { AesSiv } from './aes-siv';
import { DecryptionError, ValidationError } from './errors';

/** One Tink AES256_SIV key: its uint32 key id and 64 key bytes. */
export interface TinkAesSivKey {
  keyId: number /* uint32 */;
  keyValue: Uint8Array /* 64 bytes */;
}

/** Tink's TINK output prefix: one version byte, then the key id (4 bytes, big-endian). */
const TINK_START_BYTE = 0x01;
const PREFIX_SIZE = 5;
const SIV_SIZE = 16;
const KEY_SIZE = 64;
const EMPTY = new Uint8Array(0);

/** True for an integer in 0 … 2^32 − 1. */
export function isUint32(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

/** Checks a key's shape (uint32 id, 64 bytes); ValidationError otherwise. */
export function assertTinkAesSivKey(key: TinkAesSivKey): void {
  if (!isUint32(key.keyId)) throw new ValidationError('keyId must be a uint32', 'invalid_key');
  if (!(key.keyValue instanceof Uint8Array) || key.keyValue.length !== KEY_SIZE) {
    throw new ValidationError(`AES256_SIV key must be ${KEY_SIZE} bytes`, 'invalid_key');
  }
}

/** A fresh random AES256_SIV key with a random non-zero uint32 key id. */
export function generateTinkAesSivKey(): TinkAesSivKey {
  let keyId = 0;
  while (keyId === 0) keyId = randomBytes(4).readUInt32BE(0);
  return { keyId, keyValue: randomBytes(KEY_SIZE) };
}

/**
 * Tink DeterministicAead with the AES256_SIV key template and the TINK output prefix:
 * `0x01 ‖ keyId (4, BE) ‖ SIV (16) ‖ ciphertext`. The associated data is always one S2V component, also
 * when empty, exactly as Tink computes it, so Tink can decrypt what this produces and vice versa.
 */
export class TinkDeterministicAead {
  readonly keyId: number;
  private readonly siv: AesSiv;
  private readonly prefix: Buffer;

  constructor(key: TinkAesSivKey) {
    assertTinkAesSivKey(key);
    this.keyId = key.keyId;
    this.siv = new AesSiv(key.keyValue);
    this.prefix = Buffer.allocUnsafe(PREFIX_SIZE);
    this.prefix[0] = TINK_START_BYTE;
    this.prefix.writeUInt32BE(key.keyId, 1);
  }

  /** Encrypts bytes; returns the Tink wire format (prefix ‖ SIV ‖ ciphertext). */
  encrypt(plaintext: Uint8Array, associatedData: Uint8Array = EMPTY): Buffer {
    const out = Buffer.allocUnsafe(PREFIX_SIZE + SIV_SIZE + plaintext.length);
    this.prefix.copy(out, 0);
    this.siv.encryptInto(out, PREFIX_SIZE, plaintext, [associatedData]);
    return out;
  }

  /** Decrypts the Tink wire format; DecryptionError if it is malformed, names another key, or was tampered with. */
  decrypt(ciphertext: Uint8Array, associatedData: Uint8Array = EMPTY): Buffer {
    if (ciphertext.length < PREFIX_SIZE + SIV_SIZE) {
      throw new DecryptionError('ciphertext too short', 'ciphertext_too_short');
    }
    for (let i = 0; i < PREFIX_SIZE; i++) {
      if (ciphertext[i] !== this.prefix[i]) {
        throw new DecryptionError('ciphertext was not made with this key', 'wrong_key_id');
      }
    }
    return this.siv.decrypt(ciphertext.subarray(PREFIX_SIZE), [associatedData]);
  }

  /** Encrypts a UTF-8 string (empty associated data); returns standard padded Base64. */
  encryptString(plaintext: string): string {
    return this.encrypt(Buffer.from(plaintext, 'utf8')).toString('base64');
  }

  /** Decrypts standard padded Base64 from encryptString; DecryptionError on bad Base64 or a bad ciphertext. */
  decryptString(ciphertextBase64: string): string {
    if (typeof ciphertextBase64 !== 'string') {
      throw new DecryptionError('ciphertext is not standard Base64', 'invalid_base64');
    }
    // Node's decoder skips foreign characters and accepts the URL alphabet and missing padding; re-encoding
    // and comparing rejects all of those, and non-canonical strings, in one step.
    const bytes = Buffer.from(ciphertextBase64, 'base64');
    if (bytes.toString('base64') !== ciphertextBase64) {
      throw new DecryptionError('ciphertext is not standard Base64', 'invalid_base64');
    }
    return this.decrypt(bytes).toString('utf8');
  }
}
