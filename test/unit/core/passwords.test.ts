import { decoyPasswordHash, hashPassword, verifyPassword } from '../../../lambdas/core/passwords';
import { fixturePasswordHash } from '../../support/password-hashes';

describe('password hashing (scrypt)', () => {
  it('encodes algorithm, parameters, salt and hash', async () => {
    const encoded = await hashPassword('correct horse battery');
    const [algorithm, n, r, p, salt, hash] = encoded.split('$');
    expect([algorithm, n, r, p]).toEqual(['scrypt', '16384', '8', '1']);
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(Buffer.from(hash, 'base64url')).toHaveLength(32);
  });

  it('never contains the password', async () => {
    const encoded = await hashPassword('correct horse battery');
    expect(encoded).not.toContain('correct horse battery');
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
  });

  it('verifies the right password', async () => {
    const encoded = await hashPassword('correct horse battery');
    await expect(verifyPassword('correct horse battery', encoded)).resolves.toBe(true);
  });

  it('rejects a wrong password', async () => {
    const encoded = await hashPassword('correct horse battery');
    await expect(verifyPassword('correct horse batterY', encoded)).resolves.toBe(false);
  });

  it.each([
    ['empty', ''],
    ['another algorithm', 'bcrypt$16384$8$1$AAAA$AAAA'],
    ['too few parts', 'scrypt$16384$8$1$AAAA'],
    [
      'N not a power of two',
      'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    [
      'N above the bound',
      'scrypt$2097152$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    ],
    ['empty salt', 'scrypt$16384$8$1$$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('treats a malformed stored hash (%s) as no match', async (_name, encoded) => {
    await expect(verifyPassword('whatever password', encoded)).resolves.toBe(false);
  });

  it('has a decoy hash that matches no likely password', async () => {
    const decoy = await decoyPasswordHash();
    expect(decoy.startsWith('scrypt$')).toBe(true);
    await expect(verifyPassword('password', decoy)).resolves.toBe(false);
  });

  it('verifies a hash by the parameters it was stored with (a test fixture’s small N too)', async () => {
    // Prepare
    const encoded = fixturePasswordHash('correct horse battery');
    // Act
    const [right, wrong] = await Promise.all([
      verifyPassword('correct horse battery', encoded),
      verifyPassword('correct horse batterY', encoded),
    ]);
    // Assess
    expect(encoded.split('$').slice(0, 4)).toEqual(['scrypt', '2', '8', '1']);
    expect([right, wrong]).toEqual([true, false]);
  });
});
