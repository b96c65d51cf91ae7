import { type ClientHttp2Session, connect } from 'node:http2';

/**
 * The original Node driver's one HTTP primitive, rewritten from its wire behaviour (nodejs-driver
 * `src/http.ts`): `http2.connect(url)` — on http:// that is h2c with prior knowledge — and a POST with
 * `:scheme: https` even over cleartext. A URL opens a session for this one request and closes it; a
 * session passed in is kept (the driver's Sender keeps one for all events). 200 JSON or text resolves with
 * the data, 204 with the status only, anything else rejects with `{status, data}`.
 */
export interface H2Response<T = unknown> {
  status: number;
  data?: T;
}

export function h2Post<T = unknown>(
  urlOrSession: string | ClientHttp2Session,
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<H2Response<T>> {
  return new Promise((resolve, reject) => {
    const session = typeof urlOrSession === 'string' ? connect(urlOrSession) : urlOrSession;
    const buffer = typeof body === 'string' ? Buffer.from(body) : body;
    const request = session.request({
      ':scheme': 'https',
      ':method': 'POST',
      ':path': path,
      'content-length': String(buffer.length),
      ...headers,
    });
    request.setEncoding('utf8');
    const chunks: string[] = [];
    let status = 0;
    let contentType = '';
    request.on('response', (response) => {
      status = Number(response[':status']);
      contentType = String(response['content-type'] ?? '');
    });
    request.on('data', (chunk: string) => chunks.push(chunk));
    request.on('end', () => {
      const text = chunks.join('');
      if (typeof urlOrSession === 'string') session.close();
      if (status === 200) {
        resolve({ status, data: (contentType.includes('application/json') ? JSON.parse(text) : text) as T });
      } else if (status === 204) resolve({ status });
      else reject({ status, data: text });
    });
    request.on('error', reject);
    request.end(buffer);
  });
}
