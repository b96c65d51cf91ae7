import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { DecryptionError, ValidationError } from '../../../lambdas/core/errors';
import { unwrapKey, wrapKey } from '../../../lambdas/core/key-wrap';

const kekArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const keyArb = fc.uint8Array({ minLength: 0, maxLength: 96 });
const idArb = fc.string({ unit: 'grapheme', maxLength: 40 });

describe('key wrap (AES-256-GCM, key link id as associated data)', () => {
  it('round trip: unwrap(wrap(key)) = key', () => {
    fc.assert(
      fc.property(kekArb, idArb, keyArb, (kek, id, key) => {
        expect(unwrapKey(kek, id, wrapKey(kek, id, key)).equals(Buffer.from(key))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('produces iv (12) ‖ ciphertext ‖ tag (16)', () => {
    const wrapped = wrapKey(randomBytes(32), 'link-1', randomBytes(64));
    expect(wrapped).toHaveLength(12 + 64 + 16);
  });

  it('uses a fresh random IV for every wrap', () => {
    const kek = randomBytes(32);
    const key = randomBytes(64);
    const a = wrapKey(kek, 'link-1', key);
    const b = wrapKey(kek, 'link-1', key);
    expect(a.subarray(0, 12).equals(b.subarray(0, 12))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('fails with DecryptionError under another key link id', () => {
    fc.assert(
      fc.property(kekArb, idArb, idArb, keyArb, (kek, id, otherId, key) => {
        fc.pre(id !== otherId);
        expect(() => unwrapKey(kek, otherId, wrapKey(kek, id, key))).toThrow(DecryptionError);
      }),
      { numRuns: 100 },
    );
  });

  it('fails with DecryptionError under another KEK', () => {
    const wrapped = wrapKey(randomBytes(32), 'link-1', randomBytes(64));
    expect(() => unwrapKey(randomBytes(32), 'link-1', wrapped)).toThrow(DecryptionError);
  });

  it('fails with DecryptionError when any byte is altered', () => {
    const kek = randomBytes(32);
    const wrapped = wrapKey(kek, 'link-1', randomBytes(64));
    for (let i = 0; i < wrapped.length; i++) {
      const tampered = Buffer.from(wrapped);
      tampered[i] ^= 0x01;
      expect(() => unwrapKey(kek, 'link-1', tampered)).toThrow(DecryptionError);
    }
  });

  it('fails with DecryptionError when truncated or extended', () => {
    const kek = randomBytes(32);
    const wrapped = wrapKey(kek, 'link-1', randomBytes(64));
    for (const bad of [
      wrapped.subarray(0, 27),
      wrapped.subarray(0, wrapped.length - 1),
      Buffer.concat([wrapped, Buffer.alloc(1)]),
    ]) {
      expect(() => unwrapKey(kek, 'link-1', bad)).toThrow(DecryptionError);
    }
  });

  it('rejects a KEK that is not 32 bytes with ValidationError', () => {
    expect(() => wrapKey(randomBytes(16), 'link-1', randomBytes(64))).toThrow(ValidationError);
    expect(() => unwrapKey(randomBytes(31), 'link-1', randomBytes(92))).toThrow(ValidationError);
  });
});
