import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { TooManyRequestsError } from './errors';

/**
 * Password hashing with scrypt (N=2^14, r=8, p=1, 16-byte random salt, 32-byte key), encoded as
 * `scrypt$N$r$p$<salt base64url>$<hash base64url>` so the parameters can be raised later without breaking
 * stored hashes.
 */
const N = 2 ** 14;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Upper bounds on parameters read from a stored hash, so a corrupt item cannot make us burn memory. */
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

/**
 * scrypt runs on libuv's thread pool, which one process shares between all its threads (locally: every
 * function's worker, the emulators' LevelDB stores, file I/O). So at most this many hashes run at once in
 * a process, at most MAX_WAITING more wait their turn, and beyond that a sign-in is refused with 429: a
 * flood of logins costs at most one or two pool threads and a bounded queue, never the event path.
 */
export const MAX_CONCURRENT_HASHES = 2;
export const MAX_WAITING_HASHES = 32;
let running = 0;
const waiting: Array<() => void> = [];

async function withHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT_HASHES) {
    if (waiting.length >= MAX_WAITING_HASHES) {
      throw new TooManyRequestsError('too many sign-ins at once; retry shortly', 'busy', 1);
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function scryptAsync(
  password: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return withHashSlot(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
      }),
  );
}

function memoryFor(n: number, r: number, p: number): number {
  // scrypt needs about 128·N·r·p bytes (plus a little); leave headroom over Node's 32 MiB default.
  return 128 * n * r * p + 16 * 1024 * 1024;
}

/** A salted scrypt hash of the password in the encoded form above. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scryptAsync(password, salt, KEY_BYTES, { N, r: R, p: P, maxmem: memoryFor(N, R, P) });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether the password matches the encoded hash (constant-time compare); false for any malformed hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = typeof encoded === 'string' ? encoded.split('$') : [];
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const validParam = (v: number, max: number) => Number.isInteger(v) && v >= 1 && v <= max;
  if (!validParam(n, MAX_N) || !validParam(r, MAX_R) || !validParam(p, MAX_P) || (n & (n - 1)) !== 0)
    return false;
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  if (salt.length === 0 || expected.length === 0 || expected.length > 64) return false;
  const actual = await scryptAsync(password, salt, expected.length, {
    N: n,
    r,
    p,
    maxmem: memoryFor(n, r, p),
  });
  return timingSafeEqual(actual, expected);
}

let decoyHash: Promise<string> | undefined;

/**
 * A valid hash of a random password, to verify against when an account does not exist, so a login for an
 * unknown email costs the same time as one with a wrong password.
 */
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return decoyHash;
}
