import { SignatureV4 } from '@smithy/signature-v4';
import { newLocalCredentials } from '../../../local/local-account';
import {
  type IncomingSignedRequest,
  NodeSha256,
  type SignatureExpectation,
  signerFor,
  verifyRequestSignature,
} from '../../../local/request-signature';
import { verifyS3Signature } from '../../../local/s3-request-signature';

/**
 * The one SigV4 verifier behind every local emulator: the JSON services (Kinesis, DynamoDB, KMS,
 * @connections) and S3 share it, differing only in the path rule, the payload-hash rule and their words.
 */
const credentials = newLocalCredentials();
const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);

function expectation(service: string): SignatureExpectation {
  return { credentials, region: 'us-east-1', service, now: () => NOW };
}

/** A request signed as an SDK client signs it, in the shape the verifier receives. */
async function signed(
  service: string,
  init: { path?: string; body?: string; headers?: Record<string, string>; uriEscapePath?: boolean } = {},
): Promise<IncomingSignedRequest> {
  const body = init.body ?? '{}';
  const signer = new SignatureV4({
    credentials,
    region: 'us-east-1',
    service,
    sha256: NodeSha256,
    applyChecksum: false,
    uriEscapePath: init.uriEscapePath ?? true,
  });
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      path: init.path ?? '/',
      headers: { host: '127.0.0.1:4567', ...(init.headers ?? {}) },
      body,
    },
    { signingDate: new Date(NOW) },
  );
  return {
    method: 'POST',
    url: init.path ?? '/',
    headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from(body),
  };
}

/** The same request claiming it also signed `expect`, a header no SigV4 signer signs. */
function claimingUnsignableHeader(request: IncomingSignedRequest): IncomingSignedRequest {
  const authorization = String(request.headers.authorization);
  return {
    ...request,
    headers: {
      ...request.headers,
      expect: '100-continue',
      authorization: authorization.replace('SignedHeaders=', 'SignedHeaders=expect;'),
    },
  };
}

describe('verifySigV4 (local emulators)', () => {
  it('accepts a request signed with the expected credentials', async () => {
    // Prepare
    const request = await signed('kinesis');
    // Act
    const refusal = await verifyRequestSignature(request, expectation('kinesis'));
    // Assess
    expect(refusal).toBeUndefined();
  });

  it('refuses a request whose signed-headers list names a header the signature did not cover', async () => {
    // Prepare
    const request = claimingUnsignableHeader(await signed('kinesis'));
    // Act
    const refusal = await verifyRequestSignature(request, expectation('kinesis'));
    // Assess
    expect(refusal?.reason).toBe('mismatch');
  });

  it('S3: refuses a request whose signed-headers list names a header the signature did not cover', async () => {
    // Prepare
    const request = claimingUnsignableHeader(
      await signed('s3', { uriEscapePath: false, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }),
    );
    // Act
    const refusal = await verifyS3Signature(request, expectation('s3'));
    // Assess
    expect(refusal?.reason).toBe('mismatch');
  });

  it('S3: accepts UNSIGNED-PAYLOAD and a path signed as sent', async () => {
    // Prepare
    const request = await signed('s3', {
      path: '/ps-exports/a%3Ab.jsonl',
      uriEscapePath: false,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    // Act
    const refusal = await verifyS3Signature(request, expectation('s3'));
    // Assess
    expect(refusal).toBeUndefined();
  });

  it('S3: refuses a header-signed request without x-amz-content-sha256', async () => {
    // Prepare
    const request = await signed('s3', { uriEscapePath: false });
    // Act
    const refusal = await verifyS3Signature(request, expectation('s3'));
    // Assess
    expect(refusal).toEqual({
      reason: 'incomplete',
      message: 'Missing required header x-amz-content-sha256.',
    });
  });

  it('the JSON services refuse UNSIGNED-PAYLOAD: the declared hash must be the body’s', async () => {
    // Prepare
    const request = await signed('kms', { headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    // Act
    const refusal = await verifyRequestSignature(request, expectation('kms'));
    // Assess
    expect(refusal?.reason).toBe('mismatch');
  });

  it('words an unknown access key as each service does', async () => {
    // Prepare
    const stranger = { ...expectation('kinesis'), credentials: newLocalCredentials() };
    const s3Stranger = { ...expectation('s3'), credentials: newLocalCredentials() };
    const kinesisRequest = await signed('kinesis');
    const s3Request = await signed('s3', {
      uriEscapePath: false,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    // Act
    const kinesis = await verifyRequestSignature(kinesisRequest, stranger);
    const s3 = await verifyS3Signature(s3Request, s3Stranger);
    // Assess
    expect(kinesis).toEqual({
      reason: 'unknown_key',
      message: 'The security token included in the request is invalid.',
    });
    expect(s3).toEqual({
      reason: 'unknown_key',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
    });
  });

  it('refuses a request more than five minutes off the clock', async () => {
    // Prepare
    const request = await signed('dynamodb');
    const later = { ...expectation('dynamodb'), now: () => NOW + 5 * 60 * 1000 + 1 };
    // Act
    const refusal = await verifyRequestSignature(request, later);
    // Assess
    expect(refusal?.reason).toBe('expired');
  });

  it('builds one signer per credential, service and path rule, not one per request', () => {
    // Act
    const first = signerFor(expectation('kinesis'), true);
    const again = signerFor(expectation('kinesis'), true);
    const s3 = signerFor(expectation('s3'), false);
    // Assess
    expect(again).toBe(first);
    expect(s3).not.toBe(first);
  });
});
