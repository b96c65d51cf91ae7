import { createHash } from 'node:crypto';
import type { ConsoleFile } from '../console/build';
import { CONSOLE_PATH, CONSOLE_SECURITY_HEADERS } from '../console/security-headers';
import type { HttpResponse } from './http-api-event';

/**
 * The web console on the local gateway: its built files (console/build.ts) under `/console/`, with the
 * same security headers CloudFront sends (console/security-headers.ts). Only GET and HEAD of the exact
 * built paths; `/console` redirects to `/console/`; everything else under it is a 404. The files are
 * held in memory, so no request path ever reaches the file system.
 */
export interface ConsoleSite {
  /** The response for a request under `/console`, or undefined when the path is not the console's. */
  respond(method: string, rawPath: string): HttpResponse | undefined;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json',
};

function contentTypeOf(path: string): string {
  return CONTENT_TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

const securityHeaders = (): Array<[string, string]> => Object.entries(CONSOLE_SECURITY_HEADERS);

export function consoleSite(files: readonly ConsoleFile[]): ConsoleSite {
  const byPath = new Map(
    files.map((f) => [
      f.path === 'index.html' ? CONSOLE_PATH : `${CONSOLE_PATH}${f.path}`,
      {
        body: Buffer.from(f.contents),
        type: contentTypeOf(f.path),
        etag: `"${createHash('sha256').update(f.contents).digest('base64url').slice(0, 22)}"`,
      },
    ]),
  );
  const root = CONSOLE_PATH.slice(0, -1);
  return {
    respond(method, rawPath) {
      if (rawPath !== root && !rawPath.startsWith(CONSOLE_PATH)) return undefined;
      if (method !== 'GET' && method !== 'HEAD') {
        return {
          statusCode: 405,
          headers: [['allow', 'GET, HEAD'], ...securityHeaders()],
          body: Buffer.alloc(0),
        };
      }
      if (rawPath === root) {
        return { statusCode: 301, headers: [['location', CONSOLE_PATH]], body: Buffer.alloc(0) };
      }
      const file = byPath.get(rawPath);
      if (!file) {
        return {
          statusCode: 404,
          headers: [['content-type', 'text/plain; charset=utf-8'], ...securityHeaders()],
          body: Buffer.from('Not Found'),
        };
      }
      return {
        statusCode: 200,
        headers: [
          ['content-type', file.type],
          // Fixed file names: the browser revalidates each time (a 304-free reload is a few kB locally).
          ['cache-control', 'no-cache'],
          ['etag', file.etag],
          ...securityHeaders(),
        ],
        // node:http sends no body for HEAD, but keeps this Content-Length.
        body: file.body,
      };
    },
  };
}
