import fc from 'fast-check';
import { ValidationError } from '../../../lambdas/core/errors';
import { type TinkAesSivKey, TinkDeterministicAead } from '../../../lambdas/core/tink-daead';
import { fromTinkJsonKeyset, toTinkJsonKeyset } from '../../../lambdas/core/tink-keyset';

const TYPE_URL = 'type.googleapis.com/google.crypto.tink.AesSivKey';
const hex = (s: string) => Buffer.from(s, 'hex');

/** Wycheproof aes_siv_cmac_test.json tcId 325 (512-bit key, empty AD). */
const VECTOR = {
  key: hex(
    '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  ),
  msg: hex('8dbfee9580e7e2bc66100a674497f4e1'),
  ct: hex('000000000000000000000000000000007ef8aa7e4dd49d9cfa09e9cb574fd90d'),
};

/** AesSivKey proto, written out by hand: field 2 (key_value, wire type 2) = tag 0x12, length 0x40. */
function aesSivKeyProto(keyValue: Uint8Array, explicitVersion = false): Buffer {
  return Buffer.concat([explicitVersion ? hex('0800') : Buffer.alloc(0), hex('1240'), keyValue]);
}

interface KeyEntry {
  keyData: { typeUrl: string; value: string; keyMaterialType: string };
  status: string;
  keyId: number;
  outputPrefixType: string;
}

function keyEntry(keyId: number, proto: Buffer, overrides: Partial<KeyEntry> = {}): KeyEntry {
  return {
    keyData: { typeUrl: TYPE_URL, value: proto.toString('base64'), keyMaterialType: 'SYMMETRIC' },
    status: 'ENABLED',
    keyId,
    outputPrefixType: 'TINK',
    ...overrides,
  };
}

function keysetJson(primaryKeyId: number | undefined, ...keys: unknown[]): string {
  return JSON.stringify(primaryKeyId === undefined ? { key: keys } : { primaryKeyId, key: keys });
}

function tinkCiphertext(keyId: number, sivAndCt: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = 1;
  prefix.writeUInt32BE(keyId, 1);
  return Buffer.concat([prefix, sivAndCt]);
}

function importError(json: string): ValidationError {
  try {
    fromTinkJsonKeyset(json);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('Tink JSON keyset (one AES256_SIV key)', () => {
  describe('export', () => {
    it('writes the Tink JSON layout with the AesSivKey proto as keyData.value', () => {
      const key: TinkAesSivKey = { keyId: 3_000_000_000, keyValue: VECTOR.key };
      expect(JSON.parse(toTinkJsonKeyset(key))).toEqual({
        primaryKeyId: 3_000_000_000,
        key: [
          {
            keyData: {
              typeUrl: TYPE_URL,
              value: aesSivKeyProto(VECTOR.key).toString('base64'),
              keyMaterialType: 'SYMMETRIC',
            },
            status: 'ENABLED',
            keyId: 3_000_000_000,
            outputPrefixType: 'TINK',
          },
        ],
      });
    });

    it('refuses to export a malformed key', () => {
      expect(() => toTinkJsonKeyset({ keyId: 1, keyValue: new Uint8Array(32) })).toThrow(ValidationError);
      expect(() => toTinkJsonKeyset({ keyId: 2 ** 32, keyValue: VECTOR.key })).toThrow(ValidationError);
    });
  });

  describe('import', () => {
    it('round trip: import(export(key)) gives the same key, for key ids over the whole uint32 range', () => {
      const idArb = fc.oneof(
        fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1),
        fc.integer({ min: 0, max: 0xffffffff }),
      );
      fc.assert(
        fc.property(idArb, fc.uint8Array({ minLength: 64, maxLength: 64 }), (keyId, keyValue) => {
          const back = fromTinkJsonKeyset(toTinkJsonKeyset({ keyId, keyValue }));
          expect(back.keyId).toBe(keyId);
          expect(Buffer.from(back.keyValue).equals(Buffer.from(keyValue))).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('imports a hand-written keyset and decrypts a Tink ciphertext with it (key id ≥ 2^31)', () => {
      const keyId = 0x9abcdef0;
      const json = `{"primaryKeyId":${keyId},"key":[{"keyData":{"typeUrl":"${TYPE_URL}","value":"${aesSivKeyProto(VECTOR.key).toString('base64')}","keyMaterialType":"SYMMETRIC"},"status":"ENABLED","keyId":${keyId},"outputPrefixType":"TINK"}]}`;
      const key = fromTinkJsonKeyset(json);
      expect(key.keyId).toBe(keyId);
      const aead = new TinkDeterministicAead(key);
      expect(aead.decrypt(tinkCiphertext(keyId, VECTOR.ct)).toString('hex')).toBe(VECTOR.msg.toString('hex'));
    });

    it('accepts an explicit version 0 field in the proto', () => {
      const key = fromTinkJsonKeyset(keysetJson(8, keyEntry(8, aesSivKeyProto(VECTOR.key, true))));
      expect(Buffer.from(key.keyValue).equals(VECTOR.key)).toBe(true);
    });

    it('accepts the version field after key_value (proto fields may come in any order)', () => {
      const proto = Buffer.concat([aesSivKeyProto(VECTOR.key), hex('0800')]);
      expect(
        Buffer.from(fromTinkJsonKeyset(keysetJson(8, keyEntry(8, proto))).keyValue).equals(VECTOR.key),
      ).toBe(true);
    });

    it('reads a negative key id (signed int32 from older Tink writers) as the same uint32', () => {
      const key = fromTinkJsonKeyset(keysetJson(-1, keyEntry(-1, aesSivKeyProto(VECTOR.key))));
      expect(key.keyId).toBe(0xffffffff);
    });

    it('accepts a single key without primaryKeyId', () => {
      expect(fromTinkJsonKeyset(keysetJson(undefined, keyEntry(12, aesSivKeyProto(VECTOR.key)))).keyId).toBe(
        12,
      );
    });

    it('imports the primary key of a keyset with several keys', () => {
      const other = Buffer.alloc(64, 7);
      const key = fromTinkJsonKeyset(
        keysetJson(
          20,
          keyEntry(10, aesSivKeyProto(other), { status: 'DISABLED' }),
          keyEntry(20, aesSivKeyProto(VECTOR.key)),
        ),
      );
      expect(key.keyId).toBe(20);
      expect(Buffer.from(key.keyValue).equals(VECTOR.key)).toBe(true);
    });
  });

  describe('import rejects anything else with ValidationError', () => {
    const proto = aesSivKeyProto(VECTOR.key);
    const cases: [string, string][] = [
      ['not JSON', '{"primaryKeyId":'],
      ['a JSON array', '[]'],
      ['no key list', JSON.stringify({ primaryKeyId: 1 })],
      ['an empty key list', keysetJson(1)],
      [
        'another key type',
        keysetJson(1, {
          ...keyEntry(1, proto),
          keyData: {
            ...keyEntry(1, proto).keyData,
            typeUrl: 'type.googleapis.com/google.crypto.tink.AesGcmKey',
          },
        }),
      ],
      ['a 32-byte key', keysetJson(1, keyEntry(1, Buffer.concat([hex('1220'), Buffer.alloc(32)])))],
      [
        'a 64-byte key_value declared with a wrong length',
        keysetJson(1, keyEntry(1, Buffer.concat([hex('1241'), Buffer.alloc(65)]))),
      ],
      ['a truncated proto', keysetJson(1, keyEntry(1, proto.subarray(0, 40)))],
      ['a proto without key_value', keysetJson(1, keyEntry(1, hex('0800')))],
      ['version 1', keysetJson(1, keyEntry(1, Buffer.concat([hex('0801'), proto])))],
      ['an unknown proto field', keysetJson(1, keyEntry(1, Buffer.concat([proto, hex('1801')])))],
      ['two key_value fields', keysetJson(1, keyEntry(1, Buffer.concat([proto, proto])))],
      [
        'keyData.value not Base64',
        keysetJson(1, { ...keyEntry(1, proto), keyData: { ...keyEntry(1, proto).keyData, value: '$$$' } }),
      ],
      ['several keys with no primary', keysetJson(undefined, keyEntry(1, proto), keyEntry(2, proto))],
      ['a primaryKeyId naming no key', keysetJson(3, keyEntry(1, proto))],
      ['duplicate key ids', keysetJson(1, keyEntry(1, proto), keyEntry(1, proto))],
      ['a DISABLED key', keysetJson(1, keyEntry(1, proto, { status: 'DISABLED' }))],
      ['a DESTROYED key', keysetJson(1, keyEntry(1, proto, { status: 'DESTROYED' }))],
      ['the RAW output prefix', keysetJson(1, keyEntry(1, proto, { outputPrefixType: 'RAW' }))],
      ['the LEGACY output prefix', keysetJson(1, keyEntry(1, proto, { outputPrefixType: 'LEGACY' }))],
      ['the CRUNCHY output prefix', keysetJson(1, keyEntry(1, proto, { outputPrefixType: 'CRUNCHY' }))],
      [
        'another keyMaterialType',
        keysetJson(1, {
          ...keyEntry(1, proto),
          keyData: { ...keyEntry(1, proto).keyData, keyMaterialType: 'REMOTE' },
        }),
      ],
      ['a key id ≥ 2^32', keysetJson(2 ** 32, keyEntry(2 ** 32, proto))],
      ['a key id below -2^31', keysetJson(-(2 ** 31) - 1, keyEntry(-(2 ** 31) - 1, proto))],
      ['a fractional key id', keysetJson(1.5, keyEntry(1.5, proto))],
      [
        'a key id given as a string',
        JSON.stringify({ primaryKeyId: '1', key: [{ ...keyEntry(1, proto), keyId: '1' }] }),
      ],
    ];

    it.each(cases)('%s', (_what, json) => {
      expect(() => fromTinkJsonKeyset(json)).toThrow(ValidationError);
    });

    it('never shows key bytes in the error message', () => {
      const json = keysetJson(1, keyEntry(1, proto, { status: 'DISABLED' }));
      const error = importError(json);
      expect(error.message).not.toContain(proto.toString('base64'));
      expect(error.message).not.toContain(VECTOR.key.toString('hex').slice(0, 16));
      expect(error.message).toMatch(/status/);
    });
  });
});
