import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA-256 of the parts under `secret`, base64url without padding. Each part is prefixed with its UTF-8
 * byte length (4 bytes, big-endian), so ("ab", "c") and ("a", "bc") hash differently.
 */
export function keyedHash(secret: Uint8Array, ...parts: string[]): string {
  const hmac = createHmac('sha256', secret);
  const length = Buffer.allocUnsafe(4);
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    length.writeUInt32BE(bytes.length, 0);
    hmac.update(length);
    hmac.update(bytes);
  }
  return hmac.digest('base64url');
}
