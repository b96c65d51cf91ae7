import { CONSOLE_CONTENT_SECURITY_POLICY } from '../../../console/security-headers';
import { consoleSite } from '../../../local/console-site';

const FILES = [
  { path: 'index.html', contents: Buffer.from('<!doctype html><title>x</title>') },
  { path: 'app.js', contents: Buffer.from('console.log(1)') },
  { path: 'app.css', contents: Buffer.from('body{}') },
];

const header = (response: { headers: Array<[string, string]> } | undefined, name: string) =>
  response?.headers.find(([n]) => n === name)?.[1];

describe('the console on the local gateway', () => {
  const site = consoleSite(FILES);

  it('serves index.html at /console/ with the strict CSP', () => {
    // Act
    const response = site.respond('GET', '/console/');
    // Assess
    expect(response?.statusCode).toBe(200);
    expect(response?.body.toString()).toContain('<!doctype html>');
    expect(header(response, 'content-type')).toBe('text/html; charset=utf-8');
    expect(header(response, 'content-security-policy')).toBe(CONSOLE_CONTENT_SECURITY_POLICY);
    expect(header(response, 'x-content-type-options')).toBe('nosniff');
  });

  it('has a CSP without unsafe-inline or unsafe-eval that allows nothing but its own origin', () => {
    // Act + Assess
    expect(CONSOLE_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/);
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONSOLE_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('serves the script and the stylesheet with their types', () => {
    // Act + Assess
    expect(header(site.respond('GET', '/console/app.js'), 'content-type')).toBe(
      'text/javascript; charset=utf-8',
    );
    expect(header(site.respond('GET', '/console/app.css'), 'content-type')).toBe('text/css; charset=utf-8');
  });

  it('redirects /console to /console/', () => {
    // Act
    const response = site.respond('GET', '/console');
    // Assess
    expect(response?.statusCode).toBe(301);
    expect(header(response, 'location')).toBe('/console/');
  });

  it('answers 404 for any other path under /console/, never reading the file system', () => {
    // Act + Assess
    for (const path of [
      '/console/index.html',
      '/console/../package.json',
      '/console/%2e%2e/lib',
      '/console/x/app.js',
    ])
      expect(site.respond('GET', path)?.statusCode).toBe(404);
  });

  it('answers 405 for methods other than GET and HEAD', () => {
    // Act
    const response = site.respond('POST', '/console/');
    // Assess
    expect(response?.statusCode).toBe(405);
    expect(header(response, 'allow')).toBe('GET, HEAD');
  });

  it('leaves every other path to the API routes', () => {
    // Act + Assess
    expect(site.respond('GET', '/v1/streams')).toBeUndefined();
    expect(site.respond('GET', '/consoles')).toBeUndefined();
    expect(site.respond('GET', '/')).toBeUndefined();
  });
});
