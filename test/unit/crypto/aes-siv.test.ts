import { randomBytes } from 'node:crypto';
import { aessiv } from '@noble/ciphers/aes.js';
import fc from 'fast-check';
import { AesSiv } from '../../../lambdas/core/aes-siv';
import { DecryptionError, ValidationError } from '../../../lambdas/core/errors';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 5297 Appendix A.1 (deterministic, one AD component).
const A1 = {
  key: hex('fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'),
  ad: hex('101112131415161718191a1b1c1d1e1f 2021222324252627'),
  plaintext: hex('112233445566778899aabbccddee'),
  output: hex('85632d07c6e8f37f950acd320a2ecc93 40c02b9690c4dc04daef7f6afe5c'),
};

// RFC 5297 Appendix A.2 (nonce-based: AD1, AD2, nonce as three components).
const A2 = {
  key: hex('7f7e7d7c7b7a79787776757473727170 404142434445464748494a4b4c4d4e4f'),
  ad: [
    hex('00112233445566778899aabbccddeeff deaddadadeaddadaffeeddccbbaa9988 7766554433221100'),
    hex('102030405060708090a0'),
    hex('09f911029d74e35bd84156c5635688c0'),
  ],
  plaintext: hex(
    '7468697320697320736f6d6520706c61 696e7465787420746f20656e63727970 74207573696e67205349562d414553',
  ),
  output: hex(
    '7bdb6e3b432667eb06f4d14bff2fbd0f cb900f2fddbe404326601965c889bf17 dba77ceb094fa663b7a3f748ba8af829 ea64ad544a272e9c485b62a3fd5c0d',
  ),
};

function nobleEncrypt(key: Uint8Array, ad: readonly Uint8Array[], plaintext: Uint8Array): Buffer {
  return Buffer.from(aessiv(key, ...ad).encrypt(plaintext));
}

describe('AesSiv (RFC 5297)', () => {
  describe('RFC 5297 test vectors', () => {
    it('A.1 deterministic encryption: encrypts to the published SIV ‖ C', () => {
      expect(new AesSiv(A1.key).encrypt(A1.plaintext, [A1.ad]).toString('hex')).toBe(
        A1.output.toString('hex'),
      );
    });

    it('A.1 deterministic encryption: decrypts the published output', () => {
      expect(new AesSiv(A1.key).decrypt(A1.output, [A1.ad]).toString('hex')).toBe(
        A1.plaintext.toString('hex'),
      );
    });

    it('A.2 nonce-based encryption with three AD components: encrypts to the published output', () => {
      expect(new AesSiv(A2.key).encrypt(A2.plaintext, A2.ad).toString('hex')).toBe(A2.output.toString('hex'));
    });

    it('A.2 nonce-based encryption with three AD components: decrypts the published output', () => {
      expect(new AesSiv(A2.key).decrypt(A2.output, A2.ad).toString('hex')).toBe(A2.plaintext.toString('hex'));
    });
  });

  describe('associated-data components', () => {
    it('treats no component and one empty component as different inputs to S2V', () => {
      const siv = new AesSiv(A1.key);
      const none = siv.encrypt(Buffer.from('same'));
      const emptyComponent = siv.encrypt(Buffer.from('same'), [new Uint8Array(0)]);
      expect(none.equals(emptyComponent)).toBe(false);
    });

    it('with no component, encrypts the empty plaintext to CMAC(K1, <one>) (known answer)', () => {
      // Widely published companion vector to A.1: same key, no AD, empty plaintext.
      expect(new AesSiv(A1.key).encrypt(new Uint8Array(0)).toString('hex')).toBe(
        'f2007a5beb2b8900c588a7adf599f172',
      );
    });

    it('rejects a ciphertext decrypted with other associated data', () => {
      const siv = new AesSiv(A1.key);
      const ct = siv.encrypt(A1.plaintext, [A1.ad]);
      expect(() => siv.decrypt(ct, [Buffer.from('other')])).toThrow(DecryptionError);
      expect(() => siv.decrypt(ct, [])).toThrow(DecryptionError);
      expect(() => siv.decrypt(ct, [A1.ad, A1.ad])).toThrow(DecryptionError);
    });

    it('accepts 126 AD components and refuses 127 (RFC 5297 §7)', () => {
      const siv = new AesSiv(A1.key);
      const many = Array.from({ length: 127 }, (_, i) => Buffer.from([i]));
      const ct = siv.encrypt(A1.plaintext, many.slice(0, 126));
      expect(ct.equals(nobleEncrypt(A1.key, many.slice(0, 126), A1.plaintext))).toBe(true);
      expect(() => siv.encrypt(A1.plaintext, many)).toThrow(ValidationError);
    });
  });

  describe('keys', () => {
    it.each([32, 48, 64])('accepts a %d-byte key (AES-%d-SIV)', (size) => {
      const key = randomBytes(size);
      const pt = Buffer.from('field value');
      expect(
        new AesSiv(key).encrypt(pt, [Buffer.alloc(0)]).equals(nobleEncrypt(key, [Buffer.alloc(0)], pt)),
      ).toBe(true);
    });

    it.each([0, 16, 31, 33, 63, 65])(
      'rejects a %d-byte key with a ValidationError that shows no key bytes',
      (size) => {
        const key = Buffer.alloc(size, 0xab);
        let error: unknown;
        try {
          new AesSiv(key);
        } catch (err) {
          error = err;
        }
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).not.toMatch(/abab|q6ur/i);
      },
    );
  });

  describe('decryption failures', () => {
    it('rejects input shorter than one SIV block', () => {
      const siv = new AesSiv(A1.key);
      for (let len = 0; len < 16; len++) {
        expect(() => siv.decrypt(new Uint8Array(len), [A1.ad])).toThrow(DecryptionError);
      }
    });

    it('rejects a ciphertext with any single flipped bit', () => {
      const siv = new AesSiv(A1.key);
      for (let bit = 0; bit < A1.output.length * 8; bit++) {
        const tampered = Buffer.from(A1.output);
        tampered[bit >> 3] ^= 1 << (bit & 7);
        expect(() => siv.decrypt(tampered, [A1.ad])).toThrow(DecryptionError);
      }
    });
  });

  describe('agreement with @noble/ciphers aessiv', () => {
    const keyArb = fc.constantFrom(32, 48, 64).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }));
    const bytesArb = fc.oneof(
      fc.constant(new Uint8Array(0)),
      fc.uint8Array({ minLength: 16, maxLength: 16 }),
      fc.uint8Array({ minLength: 1, maxLength: 15 }),
      fc.uint8Array({ minLength: 17, maxLength: 300 }),
    );
    const adArb = fc.oneof(
      fc.constant<Uint8Array[]>([]),
      fc.constant<Uint8Array[]>([new Uint8Array(0)]),
      fc.array(bytesArb, { minLength: 1, maxLength: 4 }),
    );

    it('produces the same bytes and decrypts noble output, for any key size, AD vector and plaintext', () => {
      fc.assert(
        fc.property(keyArb, adArb, bytesArb, (key, ad, plaintext) => {
          const siv = new AesSiv(key);
          const expected = nobleEncrypt(key, ad, plaintext);
          expect(siv.encrypt(plaintext, ad).toString('hex')).toBe(expected.toString('hex'));
          expect(siv.decrypt(expected, ad).toString('hex')).toBe(Buffer.from(plaintext).toString('hex'));
        }),
        { numRuns: 2000 },
      );
    });

    it('stays correct when one instance serves many interleaved operations, failures included', () => {
      // The instance keeps native ciphers open between calls; this guards that no state leaks across calls.
      const key = randomBytes(64);
      const siv = new AesSiv(key);
      const empty = [new Uint8Array(0)];
      for (let i = 0; i < 1500; i++) {
        const pt = randomBytes(i % 97);
        const ad = i % 3 === 0 ? [] : i % 3 === 1 ? empty : [randomBytes(i % 40), randomBytes(5)];
        const expected = nobleEncrypt(key, ad, pt);
        const ct = siv.encrypt(pt, ad);
        if (!ct.equals(expected)) throw new Error(`operation ${i}: ciphertext differs from noble`);
        const tampered = Buffer.from(ct);
        tampered[i % tampered.length] ^= 0x40;
        expect(() => siv.decrypt(tampered, ad)).toThrow(DecryptionError);
        if (!siv.decrypt(expected, ad).equals(pt)) throw new Error(`operation ${i}: round trip failed`);
      }
    });

    it('handles long multi-block plaintexts (counter spans many blocks)', () => {
      const key = randomBytes(64);
      const siv = new AesSiv(key);
      for (const size of [1024, 4095, 4096, 4097, 65_536 + 3]) {
        const pt = randomBytes(size);
        const ct = siv.encrypt(pt, [Buffer.from('ad')]);
        expect(ct.equals(nobleEncrypt(key, [Buffer.from('ad')], pt))).toBe(true);
        expect(siv.decrypt(ct, [Buffer.from('ad')]).equals(pt)).toBe(true);
      }
    });
  });
});
