import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  headerValue,
  type IncomingSignedRequest,
  NodeSha256,
  parseAmzDate,
  parseAuthorization,
  queryOf,
  type SignatureExpectation,
  type SignatureRefusal,
  sameText,
} from './request-signature';

/**
 * SigV4 as S3 speaks it, for the local S3 API (local/s3-server.ts), next to the other services' check in
 * local/request-signature.ts: the path is signed as sent (S3 does not encode it a second time), the body
 * may be declared `UNSIGNED-PAYLOAD`, and a request may carry its signature in the query (a presigned
 * URL, as the CLI downloads exported files) instead of the Authorization header. Only the stack's own
 * credentials are accepted.
 */

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const MAX_SKEW_MS = 5 * 60 * 1000;
const MAX_PRESIGNED_SECONDS = 7 * 24 * 60 * 60;
/** The query parameters a presigner adds (they are not part of the request it signed). */
const PRESIGN_PARAMETERS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Content-Sha256',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
]);

const refuse = (reason: SignatureRefusal['reason'], message: string): SignatureRefusal => ({
  reason,
  message,
});

function signer(expected: SignatureExpectation): SignatureV4 {
  return new SignatureV4({
    credentials: expected.credentials,
    region: expected.region,
    service: expected.service,
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

/** The signed headers' values, or the name of one that is missing. */
function signedHeaderValues(
  request: IncomingSignedRequest,
  names: readonly string[],
): Record<string, string> | string {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = headerValue(request.headers, name);
    if (value === undefined) return name;
    headers[name] = value;
  }
  return headers;
}

function checkScope(
  accessKeyId: string,
  scope: { region: string; service: string },
  expected: SignatureExpectation,
): SignatureRefusal | undefined {
  if (!sameText(accessKeyId, expected.credentials.accessKeyId)) {
    return refuse('unknown_key', 'The AWS Access Key Id you provided does not exist in our records.');
  }
  if (scope.service !== expected.service || scope.region !== expected.region) {
    return refuse('mismatch', 'Credential should be scoped to the right region and service.');
  }
  return undefined;
}

async function verifyHeaderSignature(
  request: IncomingSignedRequest,
  expected: SignatureExpectation,
): Promise<SignatureRefusal | undefined> {
  const auth = parseAuthorization(headerValue(request.headers, 'authorization') ?? '');
  const date = parseAmzDate(headerValue(request.headers, 'x-amz-date'));
  if (!auth || !date) return refuse('incomplete', 'Authorization header or X-Amz-Date is malformed');
  const scopeRefusal = checkScope(auth.accessKeyId, auth.scope, expected);
  if (scopeRefusal) return scopeRefusal;
  if (Math.abs((expected.now ?? Date.now)() - date.getTime()) > MAX_SKEW_MS) {
    return refuse('expired', 'The difference between the request time and the current time is too large.');
  }
  const declared = headerValue(request.headers, 'x-amz-content-sha256');
  if (declared === undefined) return refuse('incomplete', 'Missing required header x-amz-content-sha256.');
  if (declared !== UNSIGNED_PAYLOAD && declared !== createHash('sha256').update(request.body).digest('hex')) {
    return refuse('mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  const headers = signedHeaderValues(request, auth.signedHeaders);
  if (typeof headers === 'string') return refuse('mismatch', `Signed header ${headers} is missing.`);
  const signed = await signer(expected).sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? 'localhost',
      path: request.url.split('?')[0] ?? '/',
      query: queryOf(request.url),
      headers,
      body: request.body,
    },
    { signingDate: date, signingRegion: expected.region, signingService: expected.service },
  );
  const recomputed = parseAuthorization(String(signed.headers.authorization ?? ''));
  return recomputed && sameText(recomputed.signature, auth.signature)
    ? undefined
    : refuse('mismatch', 'The request signature we calculated does not match the signature you provided.');
}

async function verifyQuerySignature(
  request: IncomingSignedRequest,
  expected: SignatureExpectation,
): Promise<SignatureRefusal | undefined> {
  const query = queryOf(request.url);
  const single = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
  const credential = single('X-Amz-Credential')?.split('/') ?? [];
  const date = parseAmzDate(single('X-Amz-Date'));
  const expires = Number(single('X-Amz-Expires'));
  const signature = single('X-Amz-Signature') ?? '';
  const signedHeaderNames = single('X-Amz-SignedHeaders')?.split(';') ?? [];
  if (
    single('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    credential.length !== 5 ||
    !date ||
    !Number.isInteger(expires) ||
    expires < 1 ||
    expires > MAX_PRESIGNED_SECONDS ||
    !/^[0-9a-f]{64}$/.test(signature)
  ) {
    return refuse('incomplete', 'Query-string authentication requires the X-Amz-* parameters.');
  }
  const [accessKeyId, , region, service] = credential as [string, string, string, string];
  const scopeRefusal = checkScope(accessKeyId, { region, service }, expected);
  if (scopeRefusal) return scopeRefusal;
  const now = (expected.now ?? Date.now)();
  if (now > date.getTime() + expires * 1000 || date.getTime() - now > MAX_SKEW_MS) {
    return refuse('expired', 'Request has expired.');
  }
  const headers = signedHeaderValues(request, signedHeaderNames);
  if (typeof headers === 'string') return refuse('mismatch', `Signed header ${headers} is missing.`);
  // The query as the presigner had it before it added the X-Amz-* parameters; the payload hash it signed
  // (UNSIGNED-PAYLOAD) was a header that it moved into the query.
  const unsigned = Object.fromEntries(
    Object.entries(query).filter(([name]) => !PRESIGN_PARAMETERS.has(name)),
  );
  const presigned = await signer(expected).presign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? 'localhost',
      path: request.url.split('?')[0] ?? '/',
      query: unsigned,
      headers: { ...headers, 'X-Amz-Content-Sha256': single('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD },
    },
    {
      signingDate: date,
      expiresIn: expires,
      signingRegion: expected.region,
      signingService: expected.service,
    },
  );
  return sameText(String(presigned.query?.['X-Amz-Signature'] ?? ''), signature)
    ? undefined
    : refuse('mismatch', 'The request signature we calculated does not match the signature you provided.');
}

/** Undefined when the request is signed (header or presigned query) with the expected credentials. */
export async function verifyS3Signature(
  request: IncomingSignedRequest,
  expected: SignatureExpectation,
): Promise<SignatureRefusal | undefined> {
  if (headerValue(request.headers, 'authorization') !== undefined)
    return verifyHeaderSignature(request, expected);
  if (request.url.includes('X-Amz-Signature=')) return verifyQuerySignature(request, expected);
  return refuse('missing', 'Access Denied');
}
