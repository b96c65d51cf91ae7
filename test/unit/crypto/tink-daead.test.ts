import { aessiv } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { AesSiv } from '../../../lambdas/core/aes-siv';
import { DecryptionError, ValidationError } from '../../../lambdas/core/errors';
import {
  generateTinkAesSivKey,
  type TinkAesSivKey,
  TinkDeterministicAead,
} from '../../../lambdas/core/tink-daead';

const hex = (s: string) => Buffer.from(s, 'hex');
const EMPTY = new Uint8Array(0);

/** Wycheproof aes_siv_cmac_test.json, 512-bit group, empty AD (one empty component, as Tink computes it). */
const WYCHEPROOF_325 = {
  key: hex(
    '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f',
  ),
  msg: hex('8dbfee9580e7e2bc66100a674497f4e1'),
  ct: hex('000000000000000000000000000000007ef8aa7e4dd49d9cfa09e9cb574fd90d'),
};

function keyWith(keyId: number, keyValue: Uint8Array = WYCHEPROOF_325.key): TinkAesSivKey {
  return { keyId, keyValue };
}

function tinkPrefix(keyId: number): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = 0x01;
  prefix.writeUInt32BE(keyId, 1);
  return prefix;
}

const keyArb = fc.record({
  keyId: fc.integer({ min: 0, max: 0xffffffff }),
  keyValue: fc.uint8Array({ minLength: 64, maxLength: 64 }),
});
const plaintextArb = fc.oneof(
  fc.constant(EMPTY),
  fc.uint8Array({ minLength: 16, maxLength: 16 }),
  fc.uint8Array({ minLength: 1, maxLength: 15 }),
  fc.uint8Array({ minLength: 17, maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
);

describe('TinkDeterministicAead (Tink AES256_SIV, TINK prefix)', () => {
  describe('wire format', () => {
    it('is 0x01 ‖ key id (4 bytes, big-endian) ‖ SIV ‖ ciphertext, with the AD as one S2V component', () => {
      const aead = new TinkDeterministicAead(keyWith(0x01020304));
      const out = aead.encrypt(WYCHEPROOF_325.msg);
      expect(out.toString('hex')).toBe(`0101020304${WYCHEPROOF_325.ct.toString('hex')}`);
    });

    it('decrypts a Wycheproof ciphertext wrapped in the TINK prefix', () => {
      const aead = new TinkDeterministicAead(keyWith(42));
      const wire = Buffer.concat([tinkPrefix(42), WYCHEPROOF_325.ct]);
      expect(aead.decrypt(wire).toString('hex')).toBe(WYCHEPROOF_325.msg.toString('hex'));
    });

    it('writes key ids ≥ 2^31 as unsigned big-endian', () => {
      const aead = new TinkDeterministicAead(keyWith(0xfedcba98));
      expect(aead.keyId).toBe(0xfedcba98);
      expect(aead.encrypt(Buffer.from('x')).subarray(0, 5).toString('hex')).toBe('01fedcba98');
    });

    it('passes non-empty associated data as the single AD component', () => {
      const aead = new TinkDeterministicAead(keyWith(7));
      const ad = Buffer.from('context');
      const out = aead.encrypt(Buffer.from('value'), ad);
      const expected = Buffer.from(aessiv(WYCHEPROOF_325.key, ad).encrypt(Buffer.from('value')));
      expect(out.subarray(5).equals(expected)).toBe(true);
      expect(aead.decrypt(out, ad).toString()).toBe('value');
      expect(() => aead.decrypt(out)).toThrow(DecryptionError);
    });

    it('encryptString returns standard padded Base64 of the wire format', () => {
      const aead = new TinkDeterministicAead(keyWith(9));
      const b64 = aead.encryptString('alice@example.com');
      expect(b64).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(b64.length % 4).toBe(0);
      expect(Buffer.from(b64, 'base64').equals(aead.encrypt(Buffer.from('alice@example.com')))).toBe(true);
    });
  });

  describe('agreement with @noble/ciphers aessiv (the field cipher fast path)', () => {
    it('matches aessiv(key, emptyAD) byte for byte on 1,000 random keys and plaintexts', () => {
      fc.assert(
        fc.property(keyArb, plaintextArb, (key, plaintext) => {
          const aead = new TinkDeterministicAead(key);
          const expected = Buffer.from(aessiv(key.keyValue, EMPTY).encrypt(plaintext));
          const out = aead.encrypt(plaintext);
          expect(out.subarray(0, 5).equals(tinkPrefix(key.keyId))).toBe(true);
          expect(out.subarray(5).toString('hex')).toBe(expected.toString('hex'));
          expect(aead.decrypt(Buffer.concat([tinkPrefix(key.keyId), expected])).equals(plaintext)).toBe(true);
        }),
        { numRuns: 1_000 },
      );
    });

    it('matches aessiv on many plaintexts through one long-lived instance', () => {
      const key = generateTinkAesSivKey();
      const aead = new TinkDeterministicAead(key);
      fc.assert(
        fc.property(plaintextArb, (plaintext) => {
          const expected = Buffer.from(aessiv(key.keyValue, EMPTY).encrypt(plaintext));
          expect(aead.encrypt(plaintext).subarray(5).toString('hex')).toBe(expected.toString('hex'));
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('properties', () => {
    it('round trip: decrypt(encrypt(p)) = p for bytes', () => {
      fc.assert(
        fc.property(keyArb, plaintextArb, (key, plaintext) => {
          const aead = new TinkDeterministicAead(key);
          expect(aead.decrypt(aead.encrypt(plaintext)).equals(plaintext)).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it('round trip: decryptString(encryptString(s)) = s for any Unicode string', () => {
      fc.assert(
        fc.property(keyArb, fc.string({ unit: 'grapheme', maxLength: 60 }), (key, text) => {
          const aead = new TinkDeterministicAead(key);
          expect(aead.decryptString(aead.encryptString(text))).toBe(text);
        }),
        { numRuns: 300 },
      );
    });

    it('determinism: equal plaintexts under one key give equal ciphertexts, also across instances', () => {
      fc.assert(
        fc.property(keyArb, plaintextArb, (key, plaintext) => {
          const a = new TinkDeterministicAead(key).encrypt(plaintext);
          const b = new TinkDeterministicAead({ keyId: key.keyId, keyValue: Uint8Array.from(key.keyValue) });
          expect(a.equals(b.encrypt(Uint8Array.from(plaintext)))).toBe(true);
        }),
        { numRuns: 200 },
      );
    });

    it('distinct plaintexts give distinct ciphertexts', () => {
      fc.assert(
        fc.property(keyArb, plaintextArb, plaintextArb, (key, p, q) => {
          fc.pre(!Buffer.from(p).equals(Buffer.from(q)));
          const aead = new TinkDeterministicAead(key);
          expect(aead.encrypt(p).equals(aead.encrypt(q))).toBe(false);
        }),
        { numRuns: 200 },
      );
    });

    it('tamper detection: any single flipped bit in prefix, SIV or ciphertext fails with DecryptionError', () => {
      fc.assert(
        fc.property(keyArb, plaintextArb, fc.nat(), (key, plaintext, seed) => {
          const aead = new TinkDeterministicAead(key);
          const wire = aead.encrypt(plaintext);
          const bit = seed % (wire.length * 8);
          const tampered = Buffer.from(wire);
          tampered[bit >> 3] ^= 1 << (bit & 7);
          expect(() => aead.decrypt(tampered)).toThrow(DecryptionError);
        }),
        { numRuns: 1000 },
      );
    });

    it('tamper detection: every bit of one ciphertext, exhaustively', () => {
      const aead = new TinkDeterministicAead(keyWith(0x80000000));
      const wire = aead.encrypt(Buffer.from('a 32-byte PII field value.......'));
      for (let bit = 0; bit < wire.length * 8; bit++) {
        const tampered = Buffer.from(wire);
        tampered[bit >> 3] ^= 1 << (bit & 7);
        expect(() => aead.decrypt(tampered)).toThrow(DecryptionError);
      }
    });

    it('a ciphertext naming another key id fails with DecryptionError (wrong_key_id), even with the same key bytes', () => {
      fc.assert(
        fc.property(
          keyArb,
          fc.integer({ min: 0, max: 0xffffffff }),
          plaintextArb,
          (key, otherId, plaintext) => {
            fc.pre(otherId !== key.keyId);
            const wire = new TinkDeterministicAead(key).encrypt(plaintext);
            const other = new TinkDeterministicAead({ keyId: otherId, keyValue: key.keyValue });
            let error: unknown;
            try {
              other.decrypt(wire);
            } catch (err) {
              error = err;
            }
            expect(error).toBeInstanceOf(DecryptionError);
            expect((error as DecryptionError).code).toBe('wrong_key_id');
          },
        ),
        { numRuns: 200 },
      );
    });

    it('a ciphertext made with another key (same key id) fails with DecryptionError', () => {
      const a = new TinkDeterministicAead(keyWith(5, Buffer.alloc(64, 1)));
      const b = new TinkDeterministicAead(keyWith(5, Buffer.alloc(64, 2)));
      expect(() => b.decrypt(a.encrypt(Buffer.from('field')))).toThrow(DecryptionError);
    });

    it('truncated input fails with DecryptionError at every length', () => {
      fc.assert(
        fc.property(keyArb, plaintextArb, (key, plaintext) => {
          const aead = new TinkDeterministicAead(key);
          const wire = aead.encrypt(plaintext);
          for (let len = 0; len < wire.length; len++) {
            expect(() => aead.decrypt(wire.subarray(0, len))).toThrow(DecryptionError);
          }
        }),
        { numRuns: 50 },
      );
    });

    it('input that is not standard padded Base64 fails with DecryptionError (invalid_base64)', () => {
      const aead = new TinkDeterministicAead(keyWith(11));
      const good = aead.encryptString('value');
      const bad = [
        'not base64!',
        good.replace(/=+$/, ''), // padding stripped
        ` ${good}`,
        `${good}\n`,
        'AQID-_8=', // URL-safe alphabet
        `${good.slice(0, 4)}*${good.slice(5)}`,
      ];
      for (const input of bad) {
        expect(() => aead.decryptString(input)).toThrow(expect.objectContaining({ code: 'invalid_base64' }));
      }
      expect(() => aead.decryptString(undefined as unknown as string)).toThrow(DecryptionError);
    });

    it('well-formed Base64 of too few bytes fails with DecryptionError', () => {
      const aead = new TinkDeterministicAead(keyWith(11));
      expect(() => aead.decryptString('')).toThrow(expect.objectContaining({ code: 'ciphertext_too_short' }));
      expect(() => aead.decryptString('AQID')).toThrow(
        expect.objectContaining({ code: 'ciphertext_too_short' }),
      );
    });

    it('non-canonical Base64 (non-zero unused bits) fails with DecryptionError', () => {
      const aead = new TinkDeterministicAead(keyWith(11));
      const good = aead.encryptString('v'); // 22 bytes → ends in "=="
      expect(good.endsWith('==')).toBe(true);
      const last = good[good.length - 3];
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      const sibling = alphabet[alphabet.indexOf(last) ^ 1];
      const nonCanonical = `${good.slice(0, -3)}${sibling}==`;
      expect(Buffer.from(nonCanonical, 'base64').equals(Buffer.from(good, 'base64'))).toBe(true);
      let error: unknown;
      try {
        aead.decryptString(nonCanonical);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DecryptionError);
      expect((error as DecryptionError).code).toBe('invalid_base64');
    });

    it('decryption errors carry no key material or plaintext', () => {
      const key = keyWith(77, Buffer.alloc(64, 0x5a));
      const aead = new TinkDeterministicAead(key);
      const wire = aead.encrypt(Buffer.from('secret-value'));
      wire[wire.length - 1] ^= 1;
      try {
        aead.decrypt(wire);
        throw new Error('expected a DecryptionError');
      } catch (err) {
        const message = (err as Error).message;
        expect(message).not.toContain('secret-value');
        expect(message).not.toContain('5a5a');
        expect(message).not.toContain('WlpaWl');
      }
    });
  });

  describe('keys', () => {
    it('rejects a key that is not 64 bytes or whose id is not a uint32, with ValidationError', () => {
      for (const bad of [
        keyWith(1, new Uint8Array(32)),
        keyWith(1, new Uint8Array(63)),
        keyWith(-1),
        keyWith(2 ** 32),
        keyWith(1.5),
        keyWith(Number.NaN),
      ]) {
        expect(() => new TinkDeterministicAead(bad)).toThrow(ValidationError);
      }
    });

    it('generateTinkAesSivKey gives a 64-byte key and a non-zero uint32 key id', () => {
      for (let i = 0; i < 200; i++) {
        const key = generateTinkAesSivKey();
        expect(key.keyValue).toHaveLength(64);
        expect(Number.isInteger(key.keyId)).toBe(true);
        expect(key.keyId).toBeGreaterThan(0);
        expect(key.keyId).toBeLessThanOrEqual(0xffffffff);
      }
    });

    it('generateTinkAesSivKey draws fresh keys and ids over the whole uint32 range', () => {
      const keys = Array.from({ length: 64 }, generateTinkAesSivKey);
      expect(new Set(keys.map((k) => Buffer.from(k.keyValue).toString('hex'))).size).toBe(64);
      expect(new Set(keys.map((k) => k.keyId)).size).toBeGreaterThan(60);
      // P(all 64 ids below 2^31) = 2^-64.
      expect(keys.some((k) => k.keyId >= 2 ** 31)).toBe(true);
    });

    it('a generated key works with the raw AesSiv as the same 64-byte AES-SIV key', () => {
      const key = generateTinkAesSivKey();
      const wire = new TinkDeterministicAead(key).encrypt(Buffer.from('x'));
      expect(new AesSiv(key.keyValue).decrypt(wire.subarray(5), [EMPTY]).toString()).toBe('x');
    });
  });
});
