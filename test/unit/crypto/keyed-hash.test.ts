import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { keyedHash } from '../../../lambdas/core/keyed-hash';

const secret = Buffer.alloc(32, 0x11);

/** The specified encoding: each part as a 4-byte big-endian UTF-8 length followed by its bytes. */
function framed(...parts: string[]): Buffer {
  return Buffer.concat(
    parts.flatMap((p) => {
      const bytes = Buffer.from(p, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      return [len, bytes];
    }),
  );
}

describe('keyedHash (HMAC-SHA-256 over length-prefixed parts)', () => {
  it('is HMAC-SHA-256 of the length-prefixed parts, base64url without padding', () => {
    const expected = createHmac('sha256', secret).update(framed('acct-1/stream', 'session-42')).digest();
    const out = keyedHash(secret, 'acct-1/stream', 'session-42');
    expect(out).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(out, 'base64url').equals(expected)).toBe(true);
  });

  it('keeps part boundaries: ("ab","c") ≠ ("a","bc") and ("a","") ≠ ("a")', () => {
    expect(keyedHash(secret, 'ab', 'c')).not.toBe(keyedHash(secret, 'a', 'bc'));
    expect(keyedHash(secret, 'a', '')).not.toBe(keyedHash(secret, 'a'));
    expect(keyedHash(secret, '')).not.toBe(keyedHash(secret));
  });

  it('counts UTF-8 bytes, not UTF-16 units, in the prefix', () => {
    const expected = createHmac('sha256', secret).update(framed('é', '😀')).digest('base64url');
    expect(keyedHash(secret, 'é', '😀')).toBe(expected);
  });

  it('is deterministic and differs for distinct part lists', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 4 }),
        fc.array(fc.string(), { maxLength: 4 }),
        (a, b) => {
          expect(keyedHash(secret, ...a)).toBe(keyedHash(secret, ...a));
          if (JSON.stringify(a) !== JSON.stringify(b))
            expect(keyedHash(secret, ...a)).not.toBe(keyedHash(secret, ...b));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('depends on the secret', () => {
    expect(keyedHash(Buffer.alloc(32, 1), 'x')).not.toBe(keyedHash(Buffer.alloc(32, 2), 'x'));
  });
});
