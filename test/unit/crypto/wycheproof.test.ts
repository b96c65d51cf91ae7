import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AesSiv } from '../../../lambdas/core/aes-siv';
import { DecryptionError } from '../../../lambdas/core/errors';

interface DaeadTest {
  tcId: number;
  comment: string;
  key: string;
  aad: string;
  msg: string;
  ct: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface DaeadGroup {
  keySize: number;
  tests: DaeadTest[];
}

// Project Wycheproof aes_siv_cmac_test.json (Apache-2.0), kept in the project's shared reference folder.
const VECTORS = join(__dirname, '../../vectors/wycheproof_aes_siv_cmac_test.json');
const file = JSON.parse(readFileSync(VECTORS, 'utf8')) as { numberOfTests: number; testGroups: DaeadGroup[] };
const hex = (s: string) => Buffer.from(s, 'hex');

describe('AES-SIV-CMAC Wycheproof vectors (one AD component each, as Tink uses)', () => {
  it('covers all 442 cases of the file', () => {
    const count = file.testGroups.reduce((n, g) => n + g.tests.length, 0);
    expect(count).toBe(file.numberOfTests);
    expect(count).toBe(442);
  });

  describe.each(file.testGroups.map((g) => [g.keySize, g] as const))('%d-bit keys', (_keySize, group) => {
    const valid = group.tests.filter((t) => t.result === 'valid').map((t) => [t.tcId, t.comment, t] as const);
    const invalid = group.tests
      .filter((t) => t.result !== 'valid')
      .map((t) => [t.tcId, t.comment, t] as const);

    it.each(valid)('tcId %d (%s): encrypts msg to ct and decrypts ct to msg', (_id, _comment, t) => {
      const siv = new AesSiv(hex(t.key));
      expect(siv.encrypt(hex(t.msg), [hex(t.aad)]).toString('hex')).toBe(t.ct);
      expect(siv.decrypt(hex(t.ct), [hex(t.aad)]).toString('hex')).toBe(t.msg);
    });

    it.each(invalid)('tcId %d (%s): is rejected with DecryptionError', (_id, _comment, t) => {
      const siv = new AesSiv(hex(t.key));
      expect(() => siv.decrypt(hex(t.ct), [hex(t.aad)])).toThrow(DecryptionError);
    });
  });
});
