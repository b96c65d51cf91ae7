/**
 * The console's response headers, the same on the local gateway (local/console-site.ts) and on CloudFront
 * (lib/console-hosting.ts). The Content-Security-Policy allows only the console's own files: no inline
 * script or style, no eval, no other origin; `connect-src 'self'` covers the API and the WebSocket egress,
 * which are served under the console's own origin in both places (so no CORS either).
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** Where the console lives on the API's origin. */
export const CONSOLE_PATH = '/console/';
