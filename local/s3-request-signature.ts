import {
  checkScope,
  headerValue,
  type IncomingSignedRequest,
  parseAmzDate,
  queryOf,
  refuse,
  SIGNATURE_MISMATCH,
  type SignatureExpectation,
  type SignatureRefusal,
  type SigV4Rules,
  sameText,
  signedHeaderValues,
  signerFor,
  UNSIGNED_PAYLOAD,
  verifySigV4,
} from './request-signature';

/**
 * SigV4 as S3 speaks it, for the local S3 API (local/s3-server.ts), on the same verifier as the other
 * services (local/request-signature.ts `verifySigV4`): the path is signed as sent (S3 does not encode it a
 * second time), the body may be declared `UNSIGNED-PAYLOAD`, and a request may carry its signature in the
 * query (a presigned URL, as the CLI downloads exported files) instead of the Authorization header. Only
 * the stack's own credentials are accepted.
 */

export const S3_SIGV4: SigV4Rules = {
  uriEscapePath: false,
  payloadHash: 'required-or-unsigned',
  messages: {
    unknownKey: 'The AWS Access Key Id you provided does not exist in our records.',
    expired: 'The difference between the request time and the current time is too large.',
    payloadMismatch: 'The provided x-amz-content-sha256 header does not match what was computed.',
  },
};

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

interface PresignedParts {
  accessKeyId: string;
  region: string;
  service: string;
  date: Date;
  expires: number;
  signature: string;
  signedHeaderNames: string[];
  payloadHash: string;
}

/** The X-Amz-* parameters of a presigned URL, or undefined when one is missing or malformed. */
function presignedParts(query: Record<string, string | string[]>): PresignedParts | undefined {
  const single = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
  const credential = single('X-Amz-Credential')?.split('/') ?? [];
  const date = parseAmzDate(single('X-Amz-Date'));
  const expires = Number(single('X-Amz-Expires'));
  const signature = single('X-Amz-Signature') ?? '';
  if (
    single('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    credential.length !== 5 ||
    !date ||
    !Number.isInteger(expires) ||
    expires < 1 ||
    expires > MAX_PRESIGNED_SECONDS ||
    !/^[0-9a-f]{64}$/.test(signature)
  ) {
    return undefined;
  }
  const [accessKeyId, , region, service] = credential as [string, string, string, string];
  return {
    accessKeyId,
    region,
    service,
    date,
    expires,
    signature,
    signedHeaderNames: single('X-Amz-SignedHeaders')?.split(';') ?? [],
    payloadHash: single('X-Amz-Content-Sha256') ?? UNSIGNED_PAYLOAD,
  };
}

async function verifyQuerySignature(
  request: IncomingSignedRequest,
  expected: SignatureExpectation,
): Promise<SignatureRefusal | undefined> {
  const query = queryOf(request.url);
  const parts = presignedParts(query);
  if (!parts) return refuse('incomplete', 'Query-string authentication requires the X-Amz-* parameters.');
  const scopeRefusal = checkScope(parts.accessKeyId, parts, expected, S3_SIGV4);
  if (scopeRefusal) return scopeRefusal;
  const now = (expected.now ?? Date.now)();
  if (now > parts.date.getTime() + parts.expires * 1000 || parts.date.getTime() - now > MAX_SKEW_MS) {
    return refuse('expired', 'Request has expired.');
  }
  const headers = signedHeaderValues(request, parts.signedHeaderNames);
  if (typeof headers === 'string') return refuse('mismatch', `Signed header ${headers} is missing.`);
  // The query as the presigner had it before it added the X-Amz-* parameters; the payload hash it signed
  // (UNSIGNED-PAYLOAD) was a header that it moved into the query.
  const unsigned = Object.fromEntries(
    Object.entries(query).filter(([name]) => !PRESIGN_PARAMETERS.has(name)),
  );
  const presigned = await signerFor(expected, S3_SIGV4.uriEscapePath).presign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: headers.host ?? 'localhost',
      path: request.url.split('?')[0] ?? '/',
      query: unsigned,
      headers: { ...headers, 'X-Amz-Content-Sha256': parts.payloadHash },
    },
    {
      signingDate: parts.date,
      expiresIn: parts.expires,
      signingRegion: expected.region,
      signingService: expected.service,
    },
  );
  return sameText(String(presigned.query?.['X-Amz-Signature'] ?? ''), parts.signature)
    ? undefined
    : refuse('mismatch', SIGNATURE_MISMATCH);
}

/** Undefined when the request is signed (header or presigned query) with the expected credentials. */
export async function verifyS3Signature(
  request: IncomingSignedRequest,
  expected: SignatureExpectation,
): Promise<SignatureRefusal | undefined> {
  if (headerValue(request.headers, 'authorization') !== undefined) {
    return verifySigV4(request, expected, S3_SIGV4);
  }
  if (request.url.includes('X-Amz-Signature=')) return verifyQuerySignature(request, expected);
  return refuse('missing', 'Access Denied');
}
