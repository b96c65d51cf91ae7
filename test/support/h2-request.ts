import { connect, type OutgoingHttpHeaders } from 'node:http2';

/**
 * One HTTP/2 request with prior knowledge (h2c) to `origin`, with `:scheme: https` as the original
 * drivers send it; resolves with the status (and the body as text).
 */
export function h2Request(
  origin: string,
  headers: OutgoingHttpHeaders,
  body?: string | Buffer,
): Promise<number> {
  return h2Exchange(origin, headers, body).then((response) => response.status);
}

export function h2Exchange(
  origin: string,
  headers: OutgoingHttpHeaders,
  body?: string | Buffer,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(origin);
    session.on('error', reject);
    const request = session.request({ ':scheme': 'https', ...headers });
    let status = 0;
    let responseHeaders: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    request.on('response', (h) => {
      status = Number(h[':status']);
      responseHeaders = h;
    });
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      session.close();
      resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') });
    });
    request.on('error', reject);
    request.end(body);
  });
}
