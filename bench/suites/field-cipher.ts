import { randomBytes } from 'node:crypto';
import { aessiv } from '@noble/ciphers/aes.js';
import { AesSiv } from '../../lambdas/core/aes-siv';
import { generateTinkAesSivKey, TinkDeterministicAead } from '../../lambdas/core/tink-daead';
import { type BenchRow, type BenchSuite, comparedRow, soloRow } from '../harness';

const NAME = 'field-cipher';
const FIELD_SIZE = 32;
const SAMPLES = 1024;
const EMPTY_AD = new Uint8Array(0);

/** Cycles through a fixed list, so every call works on a different (but shared) input. */
function cycle<T>(items: readonly T[]): () => T {
  let i = 0;
  return () => {
    const item = items[i];
    i = (i + 1) % items.length;
    return item;
  };
}

/**
 * One 32-byte PII field under one AES256_SIV key with empty associated data (one empty S2V component, as
 * Tink does): ours vs @noble/ciphers aessiv with the same key, plaintexts and AD.
 */
export const suite: BenchSuite = {
  name: NAME,
  async run(): Promise<BenchRow[]> {
    const key = generateTinkAesSivKey();
    const tink = new TinkDeterministicAead(key);
    const raw = new AesSiv(key.keyValue);
    const noble = aessiv(key.keyValue, EMPTY_AD); // decrypt may reuse an instance; encrypt may not
    const plaintexts = Array.from({ length: SAMPLES }, () => randomBytes(FIELD_SIZE));
    const tinkCiphertexts = plaintexts.map((p) => tink.encrypt(p));
    const rawCiphertexts = plaintexts.map((p) => raw.encrypt(p, [EMPTY_AD]));
    const strings = plaintexts.map((p) => p.toString('hex').slice(0, FIELD_SIZE));
    const base64s = strings.map((s) => tink.encryptString(s));
    for (let i = 0; i < SAMPLES; i++) {
      const nobleCiphertext = Buffer.from(aessiv(key.keyValue, EMPTY_AD).encrypt(plaintexts[i]));
      if (
        !nobleCiphertext.equals(rawCiphertexts[i]) ||
        !nobleCiphertext.equals(tinkCiphertexts[i].subarray(5))
      ) {
        throw new Error(
          'field-cipher bench: ours and noble disagree; fix correctness before measuring speed',
        );
      }
    }

    const pt = {
      ours: cycle(plaintexts),
      noble: cycle(plaintexts),
      raw: cycle(plaintexts),
      str: cycle(strings),
    };
    const ct = {
      ours: cycle(tinkCiphertexts),
      noble: cycle(rawCiphertexts),
      raw: cycle(rawCiphertexts),
      str: cycle(base64s),
    };
    return [
      comparedRow(
        NAME,
        'field encrypt 32 B (Tink vs noble aessiv)',
        () => tink.encrypt(pt.ours()),
        () => aessiv(key.keyValue, EMPTY_AD).encrypt(pt.noble()),
      ),
      comparedRow(
        NAME,
        'field decrypt 32 B (Tink vs noble aessiv)',
        () => tink.decrypt(ct.ours()),
        () => noble.decrypt(ct.noble()),
      ),
      comparedRow(
        NAME,
        'AesSiv raw encrypt 32 B (vs noble aessiv)',
        () => raw.encrypt(pt.raw(), [EMPTY_AD]),
        () => aessiv(key.keyValue, EMPTY_AD).encrypt(pt.noble()),
      ),
      soloRow(NAME, 'AesSiv raw decrypt 32 B', () => raw.decrypt(ct.raw(), [EMPTY_AD])),
      soloRow(NAME, 'encryptString 32 chars → Base64', () => tink.encryptString(pt.str())),
      soloRow(NAME, 'decryptString Base64 → 32 chars', () => tink.decryptString(ct.str())),
      soloRow(NAME, 'new TinkDeterministicAead (per-key setup)', () => new TinkDeterministicAead(key)),
    ];
  },
};
