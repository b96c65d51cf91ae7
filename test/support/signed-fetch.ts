import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalCredentials } from '../../local/local-account';
import { NodeSha256 } from '../../local/request-signature';

/**
 * A raw HTTP request signed with SigV4 as an AWS SDK client would sign it, for tests that need to see the
 * wire answer of a local emulator (status, headers, body) rather than what an SDK makes of it.
 */
export async function signedFetch(
  url: string,
  init: {
    method: string;
    service: string;
    credentials: LocalCredentials;
    headers?: Record<string, string>;
    body?: string;
  },
): Promise<Response> {
  const target = new URL(url);
  const signer = new SignatureV4({
    credentials: init.credentials,
    region: 'us-east-1',
    service: init.service,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const signed = await signer.sign({
    method: init.method,
    protocol: target.protocol,
    hostname: target.hostname,
    port: Number(target.port),
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers: { host: target.host, ...(init.headers ?? {}) },
    body: init.body,
  });
  const headers = Object.fromEntries(Object.entries(signed.headers).filter(([name]) => name !== 'host'));
  return fetch(url, { method: init.method, headers, body: init.body });
}
