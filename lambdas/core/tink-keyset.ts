import { ValidationError } from './errors';
import { assertTinkAesSivKey, type TinkAesSivKey } from './tink-daead';

const AES_SIV_TYPE_URL = 'type.googleapis.com/google.crypto.tink.AesSivKey';
const KEY_SIZE = 64;
/** Proto tags of AesSivKey: field 1 `version` (varint), field 2 `key_value` (length-delimited). */
const TAG_VERSION = 0x08;
const TAG_KEY_VALUE = 0x12;

/** Encodes the AesSivKey proto: version 0 is the proto3 default and so omitted, as Tink does. */
function encodeAesSivKeyProto(keyValue: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(2 + keyValue.length);
  out[0] = TAG_KEY_VALUE;
  out[1] = keyValue.length;
  out.set(keyValue, 2);
  return out;
}

/** Decodes an AesSivKey proto; accepts an explicit version 0, rejects any other field or a wrong key size. */
function decodeAesSivKeyProto(bytes: Buffer): Uint8Array {
  let at = 0;
  let sawVersion = false;
  let keyValue: Uint8Array | undefined;
  while (at < bytes.length) {
    const tag = bytes[at++];
    if (tag === TAG_VERSION && !sawVersion) {
      if (bytes[at++] !== 0x00) throw new ValidationError('keyData.value: unsupported AesSivKey version');
      sawVersion = true;
    } else if (tag === TAG_KEY_VALUE && keyValue === undefined) {
      const length = bytes[at++];
      if (length !== KEY_SIZE || at + length > bytes.length) {
        throw new ValidationError(`keyData.value: AesSivKey key_value must be ${KEY_SIZE} bytes`);
      }
      keyValue = Buffer.from(bytes.subarray(at, at + length));
      at += length;
    } else {
      throw new ValidationError('keyData.value: not an AesSivKey proto');
    }
  }
  if (keyValue === undefined) throw new ValidationError('keyData.value: AesSivKey has no key_value');
  return keyValue;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Tink writes key ids as uint32, older Java versions as signed int32; both name the same id. */
function readKeyId(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw new ValidationError(`${field} must be a 32-bit key id`);
  }
  return value >>> 0;
}

/** Exports one key as a Tink JSON keyset (one ENABLED AES256_SIV key with the TINK prefix, primary). */
export function toTinkJsonKeyset(key: TinkAesSivKey): string {
  assertTinkAesSivKey(key);
  return JSON.stringify({
    primaryKeyId: key.keyId,
    key: [
      {
        keyData: {
          typeUrl: AES_SIV_TYPE_URL,
          value: encodeAesSivKeyProto(key.keyValue).toString('base64'),
          keyMaterialType: 'SYMMETRIC',
        },
        status: 'ENABLED',
        keyId: key.keyId,
        outputPrefixType: 'TINK',
      },
    ],
  });
}

/**
 * Imports the primary key of a Tink JSON keyset. The key must be an ENABLED AesSivKey (64 bytes) with the
 * TINK output prefix; anything else is a ValidationError naming the field (never showing key bytes).
 */
export function fromTinkJsonKeyset(json: string): TinkAesSivKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new ValidationError('keyset is not valid JSON');
  }
  if (!isRecord(parsed)) throw new ValidationError('keyset must be a JSON object');
  const keys = parsed.key;
  if (!Array.isArray(keys) || keys.length === 0)
    throw new ValidationError('keyset.key must be a non-empty array');

  let primaryId: number | undefined;
  if (parsed.primaryKeyId !== undefined) primaryId = readKeyId(parsed.primaryKeyId, 'primaryKeyId');
  if (primaryId === undefined && keys.length > 1) {
    throw new ValidationError('primaryKeyId is required when the keyset has several keys');
  }
  const ids = keys.map((entry, i) => readKeyId(isRecord(entry) ? entry.keyId : undefined, `key[${i}].keyId`));
  if (new Set(ids).size !== ids.length) throw new ValidationError('keyset.key has duplicate keyIds');
  const index = primaryId === undefined ? 0 : ids.indexOf(primaryId);
  if (index < 0) throw new ValidationError('primaryKeyId names no key in keyset.key');

  const entry = keys[index] as Record<string, unknown>;
  const field = `key[${index}]`;
  if (entry.status !== 'ENABLED') throw new ValidationError(`${field}.status must be ENABLED`);
  if (entry.outputPrefixType !== 'TINK') throw new ValidationError(`${field}.outputPrefixType must be TINK`);
  const keyData = entry.keyData;
  if (!isRecord(keyData)) throw new ValidationError(`${field}.keyData must be an object`);
  if (keyData.typeUrl !== AES_SIV_TYPE_URL)
    throw new ValidationError(`${field}.keyData.typeUrl must be ${AES_SIV_TYPE_URL}`);
  if (keyData.keyMaterialType !== 'SYMMETRIC') {
    throw new ValidationError(`${field}.keyData.keyMaterialType must be SYMMETRIC`);
  }
  const value = keyData.value;
  if (typeof value !== 'string') throw new ValidationError(`${field}.keyData.value must be a Base64 string`);
  const proto = Buffer.from(value, 'base64');
  if (proto.toString('base64') !== value)
    throw new ValidationError(`${field}.keyData.value must be standard Base64`);
  return { keyId: ids[index], keyValue: decodeAesSivKeyProto(proto) };
}
