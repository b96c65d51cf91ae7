import { type Cipher, createCipheriv, timingSafeEqual } from 'node:crypto';
import { DecryptionError, ValidationError } from './errors';

const BLOCK = 16;
/** RFC 5297 §7: S2V takes at most 127 components, the plaintext being the last one. */
const MAX_AD_COMPONENTS = 126;
const ZERO_BLOCK = new Uint8Array(BLOCK);

/** Doubling in GF(2^128) (RFC 5297 §2.3), into a new buffer. */
function dbl(block: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(BLOCK);
  let carry = 0;
  for (let i = BLOCK - 1; i >= 0; i--) {
    const b = block[i];
    out[i] = ((b << 1) | carry) & 0xff;
    carry = b >>> 7;
  }
  if (carry) out[BLOCK - 1] ^= 0x87;
  return out;
}

function xorInto(
  target: Uint8Array,
  targetOffset: number,
  source: Uint8Array,
  sourceOffset: number,
  length: number,
) {
  for (let i = 0; i < length; i++) target[targetOffset + i] ^= source[sourceOffset + i];
}

/**
 * AES-CMAC (RFC 4493) over native AES. A single CBC cipher is kept open for the whole lifetime of the key:
 * its chaining value is the last ciphertext block it produced, so XOR-ing that value into the first block of
 * the next message turns the running CBC into a fresh CBC-MAC with a zero IV — one native call per MAC.
 */
class Cmac {
  private readonly cbc: Cipher;
  private chain: Buffer = Buffer.alloc(BLOCK);
  private readonly subkey1: Buffer;
  private readonly subkey2: Buffer;

  constructor(key: Uint8Array) {
    const bits = key.length * 8;
    this.cbc = createCipheriv(`aes-${bits}-cbc`, key, Buffer.alloc(BLOCK)).setAutoPadding(false);
    const l = this.macPrepared(Buffer.alloc(BLOCK));
    this.subkey1 = dbl(l);
    this.subkey2 = dbl(this.subkey1);
  }

  /** CMAC of `message`. */
  mac(message: Uint8Array): Buffer {
    return this.macWithTail(message, undefined);
  }

  /**
   * CMAC of `message` with `tail` XORed into its last 16 bytes (S2V's "xorend"), without copying the
   * caller's data more than once. `message.length` must be ≥ 16 when a tail is given.
   */
  macWithTail(message: Uint8Array, tail: Uint8Array | undefined): Buffer {
    const len = message.length;
    const complete = len > 0 && len % BLOCK === 0;
    const padded = complete ? len : (Math.floor(len / BLOCK) + 1) * BLOCK;
    const buf = Buffer.allocUnsafe(padded);
    buf.set(message, 0);
    if (!complete) {
      buf[len] = 0x80;
      buf.fill(0, len + 1);
    }
    if (tail) xorInto(buf, len - BLOCK, tail, 0, BLOCK);
    xorInto(buf, padded - BLOCK, complete ? this.subkey1 : this.subkey2, 0, BLOCK);
    return this.macPrepared(buf);
  }

  /** CBC-MAC (zero IV) of an already padded and subkey-masked buffer; overwrites `buf`'s first block. */
  private macPrepared(buf: Buffer): Buffer {
    xorInto(buf, 0, this.chain, 0, BLOCK);
    const out = this.cbc.update(buf);
    this.chain = out.subarray(out.length - BLOCK);
    return Buffer.from(this.chain);
  }
}

/**
 * AES-SIV (RFC 5297): deterministic authenticated encryption. The key is K1 (S2V/CMAC) ‖ K2 (CTR), so 32, 48
 * or 64 bytes select AES-128/192/256-SIV (Tink's AES256_SIV key is 64 bytes). All AES work runs on native
 * node:crypto ciphers kept open per instance; per-key constants of S2V are computed once.
 */
export class AesSiv {
  private readonly cmac: Cmac;
  private readonly ecb: Cipher;
  /** S2V state D after zero AD components: CMAC(K1, 0^128). */
  private readonly dInitial: Buffer;
  /** S2V state D after one empty AD component — Tink's field-cipher case. */
  private readonly dAfterEmptyAd: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== 32 && key.length !== 48 && key.length !== 64) {
      throw new ValidationError('AES-SIV key must be 32, 48 or 64 bytes', 'invalid_key');
    }
    const half = key.length / 2;
    const bits = half * 8;
    this.cmac = new Cmac(key.subarray(0, half));
    this.ecb = createCipheriv(`aes-${bits}-ecb`, key.subarray(half), null).setAutoPadding(false);
    this.dInitial = this.cmac.mac(ZERO_BLOCK);
    this.dAfterEmptyAd = dbl(this.dInitial);
    xorInto(this.dAfterEmptyAd, 0, this.cmac.mac(ZERO_BLOCK.subarray(0, 0)), 0, BLOCK);
  }

  /** Encrypts `plaintext`; returns SIV (16 bytes) ‖ ciphertext. Each entry of `associatedData` is one S2V component. */
  encrypt(plaintext: Uint8Array, associatedData?: readonly Uint8Array[]): Buffer {
    const out = Buffer.allocUnsafe(BLOCK + plaintext.length);
    this.encryptInto(out, 0, plaintext, associatedData);
    return out;
  }

  /**
   * Encrypts into `out` at `offset` (SIV then ciphertext, `16 + plaintext.length` bytes), so that a caller
   * adding a prefix (Tink) needs no extra copy.
   */
  encryptInto(
    out: Buffer,
    offset: number,
    plaintext: Uint8Array,
    associatedData?: readonly Uint8Array[],
  ): void {
    const siv = this.s2v(associatedData, plaintext);
    out.set(siv, offset);
    this.ctrInto(siv, plaintext, 0, out, offset + BLOCK);
  }

  /** Decrypts SIV ‖ ciphertext; throws DecryptionError when it is too short or fails authentication. */
  decrypt(sivAndCiphertext: Uint8Array, associatedData?: readonly Uint8Array[]): Buffer {
    if (sivAndCiphertext.length < BLOCK)
      throw new DecryptionError('ciphertext too short', 'ciphertext_too_short');
    const siv = sivAndCiphertext.subarray(0, BLOCK);
    const plaintext = Buffer.allocUnsafe(sivAndCiphertext.length - BLOCK);
    this.ctrInto(siv, sivAndCiphertext, BLOCK, plaintext, 0);
    const expected = this.s2v(associatedData, plaintext);
    if (!timingSafeEqual(expected, siv)) {
      plaintext.fill(0);
      throw new DecryptionError();
    }
    return plaintext;
  }

  /** S2V (RFC 5297 §2.4) over the AD components followed by the plaintext. */
  private s2v(associatedData: readonly Uint8Array[] | undefined, plaintext: Uint8Array): Buffer {
    let d: Buffer;
    if (associatedData === undefined || associatedData.length === 0) {
      d = this.dInitial;
    } else if (associatedData.length === 1 && associatedData[0].length === 0) {
      d = this.dAfterEmptyAd;
    } else {
      if (associatedData.length > MAX_AD_COMPONENTS) {
        throw new ValidationError(`AES-SIV takes at most ${MAX_AD_COMPONENTS} associated-data components`);
      }
      d = this.dInitial;
      for (const component of associatedData) {
        d = dbl(d);
        xorInto(d, 0, this.cmac.mac(component), 0, BLOCK);
      }
    }
    if (plaintext.length >= BLOCK) return this.cmac.macWithTail(plaintext, d);
    const t = dbl(d);
    xorInto(t, 0, plaintext, 0, plaintext.length);
    t[plaintext.length] ^= 0x80;
    return this.cmac.mac(t);
  }

  /** AES-CTR with the SIV-derived counter (bits 31 and 63 cleared, 128-bit big-endian increment). */
  private ctrInto(
    siv: Uint8Array,
    input: Uint8Array,
    inputOffset: number,
    out: Buffer,
    outOffset: number,
  ): void {
    const length = input.length - inputOffset;
    if (length === 0) return;
    const blocks = Math.ceil(length / BLOCK);
    const counters = Buffer.allocUnsafe(blocks * BLOCK);
    counters.set(siv.subarray(0, BLOCK), 0);
    counters[8] &= 0x7f;
    counters[12] &= 0x7f;
    for (let b = 1; b < blocks; b++) {
      const at = b * BLOCK;
      counters.copy(counters, at, at - BLOCK, at);
      for (let i = at + BLOCK - 1; i >= at; i--) {
        counters[i] = (counters[i] + 1) & 0xff;
        if (counters[i] !== 0) break;
      }
    }
    const keystream = this.ecb.update(counters);
    for (let i = 0; i < length; i++) out[outOffset + i] = input[inputOffset + i] ^ keystream[i];
  }
}
