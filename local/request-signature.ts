import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Checksum, SourceData } from '@smithy/types';

/**
 * Verification of AWS Signature Version 4 on the requests the local emulators receive: the signature is
 * computed again with the stack's own credentials by the same library the SDK signs with
 * (@smithy/signature-v4) over exactly the headers the request says it signed, and compared in constant
 * time. A request signed with other credentials, for another service or region, more than five minutes
 * off the clock, or whose body does not match the signed hash is refused.
 */

/** What the verifier needs of an incoming request. */
export interface IncomingSignedRequest {
  method: string;
  /** Path and query exactly as received (still percent-encoded). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

export interface SignatureExpectation {
  credentials: AwsCredentialIdentity;
  region: string;
  /** The signing name of the service: `kinesis`, `dynamodb`, `kms`, `execute-api`. */
  service: string;
  now?: () => number;
}

/** Why a request was refused, in the words of AWS's own errors. */
export interface SignatureRefusal {
  reason: 'missing' | 'incomplete' | 'unknown_key' | 'mismatch' | 'expired';
  message: string;
}

/** How far a request's date may be from the clock (AWS: 5 minutes). */
const MAX_SKEW_MS = 5 * 60 * 1000;
const ALGORITHM = 'AWS4-HMAC-SHA256';
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** SHA-256 / HMAC-SHA-256 from node:crypto in the shape the signer wants. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as Uint8Array);
    return createHmac('sha256', key);
  }
}

export interface AuthorizationParts {
  accessKeyId: string;
  scope: { date: string; region: string; service: string };
  signedHeaders: string[];
  signature: string;
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseAuthorization(header: string): AuthorizationParts | undefined {
  if (!header.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const [name, ...value] = part.trim().split('=');
    if (name) fields.set(name, value.join('='));
  }
  const credential = fields.get('Credential')?.split('/') ?? [];
  const signedHeaders = fields.get('SignedHeaders')?.split(';') ?? [];
  const signature = fields.get('Signature') ?? '';
  if (credential.length !== 5 || credential[4] !== 'aws4_request') return undefined;
  if (signedHeaders.length === 0 || !/^[0-9a-f]{64}$/.test(signature)) return undefined;
  const [accessKeyId, date, region, service] = credential as [string, string, string, string];
  return { accessKeyId, scope: { date, region, service }, signedHeaders, signature };
}

export function parseAmzDate(value: string | undefined): Date | undefined {
  const m = value === undefined ? null : AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function queryOf(url: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  const at = url.indexOf('?');
  if (at === -1) return query;
  for (const [name, value] of new URLSearchParams(url.slice(at + 1))) {
    const existing = query[name];
    query[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

const refuse = (reason: SignatureRefusal['reason'], message: string): SignatureRefusal => ({
  reason,
  message,
});

/** Undefined when the request carries a valid signature of the expected credentials; otherwise why not. */
export async function verifyRequestSignature(
  request: IncomingSignedRequest,
  expected: SignatureExpectation,
): Promise<SignatureRefusal | undefined> {
  const header = headerValue(request.headers, 'authorization');
  if (!header) return refuse('missing', 'Missing Authentication Token');
  const auth = parseAuthorization(header);
  const date = parseAmzDate(headerValue(request.headers, 'x-amz-date'));
  if (!auth || !date) return refuse('incomplete', 'Authorization header or X-Amz-Date is malformed');
  if (!sameText(auth.accessKeyId, expected.credentials.accessKeyId)) {
    return refuse('unknown_key', 'The security token included in the request is invalid.');
  }
  if (auth.scope.service !== expected.service || auth.scope.region !== expected.region) {
    return refuse('mismatch', 'Credential should be scoped to the right region and service.');
  }
  const now = (expected.now ?? Date.now)();
  if (Math.abs(now - date.getTime()) > MAX_SKEW_MS) return refuse('expired', 'Signature expired.');
  const declaredHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (
    declaredHash !== undefined &&
    declaredHash !== createHash('sha256').update(request.body).digest('hex')
  ) {
    return refuse('mismatch', 'The provided x-amz-content-sha256 header does not match the body.');
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) return refuse('mismatch', `Signed header ${name} is missing.`);
    headers[name] = value;
  }
  const signer = new SignatureV4({
    credentials: expected.credentials,
    region: expected.region,
    service: expected.service,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
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
  const matches =
    recomputed !== undefined &&
    recomputed.signedHeaders.join(';') === auth.signedHeaders.join(';') &&
    sameText(recomputed.signature, auth.signature);
  return matches
    ? undefined
    : refuse('mismatch', 'The request signature we calculated does not match the signature you provided.');
}
