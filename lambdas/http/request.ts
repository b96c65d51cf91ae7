import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PayloadTooLargeError } from '../core/errors';

/** Reading an HTTP API (payload v2) request: headers, body, bearer token. */

/** The largest body any HTTP route accepts (one Kinesis record is at most 1 MiB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A header by case-insensitive name (API Gateway v2 lower-cases them; be liberal anyway). */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The raw body as a Buffer, decoding base64 bodies; rejects bodies over `limit` bytes with 413. */
export function bodyBytes(event: APIGatewayProxyEventV2, limit = MAX_BODY_BYTES): Buffer {
  const body = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (bytes.length > limit) throw new PayloadTooLargeError(`request body exceeds ${limit} bytes`);
  return bytes;
}

/** The token of an `Authorization: Bearer <token>` value (scheme in any case), if it is one. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  return authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/** The bearer token of the Authorization header, if any. */
export function bearerToken(event: APIGatewayProxyEventV2): string | undefined {
  return bearerTokenOf(header(event, 'authorization'));
}
